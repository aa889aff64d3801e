// outpost serve — the order form's "add a line" (web_forms.c). Plain
// JavaScript, embedded in the binary: the last line is copied, emptied and
// numbered, and the form's line count goes up. Without JavaScript the
// button posts the form back and the server answers with one more line.
(function () {
	var button = document.getElementById("add-line");
	var box = document.getElementById("order-lines");
	var count = document.getElementById("f-lines");
	if (!button || !box || !count)
		return;
	button.addEventListener("click", function (ev) {
		var lines = box.querySelectorAll(".line");
		var last = lines[lines.length - 1], k = lines.length + 1;
		if (!last || k > Number(box.dataset.max))
			return;	// the server says what to do
		ev.preventDefault();
		var line = last.cloneNode(true);
		line.querySelectorAll(".err").forEach(function (e) { e.remove(); });
		line.querySelectorAll(".has-err").forEach(function (e) { e.classList.remove("has-err"); });
		line.querySelectorAll("select, input").forEach(function (f) {
			var base = f.name.replace(/\d+$/, "");
			f.name = base + k;
			f.id = "f-" + base + k;
			if (f.tagName === "SELECT")
				f.selectedIndex = 0;
			else
				f.value = "";
		});
		line.querySelectorAll("label").forEach(function (l) {
			var base = l.htmlFor.replace(/^f-/, "").replace(/\d+$/, "");
			l.htmlFor = "f-" + base + k;
			l.textContent = (base === "sku" ? box.dataset.product : box.dataset.qty)
				.replace("%d", String(k));
		});
		box.appendChild(line);
		count.value = String(k);
		if (k >= Number(box.dataset.max))
			button.disabled = true;
		line.querySelector("select").focus();
	});
})();
