// outpost serve — search as you type on the 客户 page. Plain JavaScript,
// embedded in the binary: each keystroke (after a short pause) asks the
// server for the rows (an HTML fragment it escaped) and puts them in place.
(function () {
	var box = document.getElementById("q");
	var rows = document.getElementById("results");
	if (!box || !rows)
		return;
	var timer = null, seq = 0;
	box.addEventListener("input", function () {
		clearTimeout(timer);
		timer = setTimeout(function () {
			var mine = ++seq;
			var url = "/customers/rows?q=" + encodeURIComponent(box.value);
			fetch(url, { credentials: "same-origin" }).then(function (r) {
				return r.ok ? r.text() : null;
			}).then(function (html) {
				if (html !== null && mine === seq)
					rows.innerHTML = html;
			});
			if (history.replaceState)
				history.replaceState(null, "", "/customers?q=" + encodeURIComponent(box.value));
		}, 150);
	});
})();
