// web_morning.js — a clerk's morning in a real browser (headless Debian
// Chromium through puppeteer-core), run by 85_web.sh:
//   node web_morning.js MODULES_DIR BASE_URL STORE_DB SHOT_DIR
// Prints one line per check, "ok DESC" or "not ok DESC"; 85_web.sh counts
// them against the number it plans. Screenshots of each page go to
// SHOT_DIR. Any exception ends the run with "not ok" for it.
"use strict";
const path = require("path");
const { execFileSync } = require("child_process");
const [modules, base, db, shots] = process.argv.slice(2);
const puppeteer = require(path.join(modules, "puppeteer-core"));

function check(cond, desc) {
	console.log((cond ? "ok " : "not ok ") + desc);
}
function sql(q) {
	return execFileSync("sqlite3", ["-batch", db, q]).toString().trim();
}

async function signIn(page, code, pin) {
	await page.goto(base + "/login");
	await page.type("#f-code", code);
	await page.type("#f-pin", pin);
	await Promise.all([page.waitForNavigation(), page.click("#signin")]);
}

async function signOut(page) {
	await Promise.all([page.waitForNavigation(), page.click("#logout")]);
}

(async () => {
	const browser = await puppeteer.launch({
		executablePath: "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox", "--lang=zh-CN"],
	});
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1200, height: 820 });
		const shot = (name) => page.screenshot({ path: path.join(shots, name), fullPage: true });

		await page.goto(base + "/login");
		check((await page.title()).includes("登录"), "the sign-in page is in Chinese");
		await shot("login.png");

		await signIn(page, "li.na", "1234");
		check(page.url().endsWith("/today"), "signing in lands on 今日");

		// 客户: search as you type finds her own customer by part of the name
		await page.goto(base + "/customers");
		await page.type("#q", "周芷");
		await page.waitForFunction(() => document.querySelector("#results").textContent.includes("周芷若"),
					   { timeout: 5000 });
		check(true, "search as you type shows 周芷若");
		// and by pinyin initials, as a clerk types on a PC without a Chinese input method
		await page.click("#q", { clickCount: 3 });
		await page.keyboard.press("Backspace");
		await page.type("#q", "zzr");
		await page.waitForFunction(() => document.querySelector("#results").textContent.includes("周芷若"),
					   { timeout: 5000 });
		check(true, "search as you type by initials (zzr) shows 周芷若");
		await shot("customers.png");

		// register with a bad phone: the Chinese error beside the field, nothing saved
		await Promise.all([page.waitForNavigation(), page.click("#new-customer")]);
		await page.type("#f-name", "赵敏");
		await page.type("#f-phone", "1380013");
		await page.select("#f-channel", "walk-in");
		await Promise.all([page.waitForNavigation(), page.click("#save-customer")]);
		const err = await page.$eval("#err-phone", (e) => e.textContent).catch(() => "");
		check(/手机号/.test(err), "the bad phone's error is beside the phone field, in Chinese (" + err + ")");
		check(await page.$eval("#f-name", (e) => e.value) === "赵敏", "the form kept what was typed");
		check(sql("SELECT count(*) FROM customer WHERE name = '赵敏'") === "0", "nothing was saved");
		await shot("register-error.png");

		// fixed, it saves and shows the card
		await page.$eval("#f-phone", (e) => { e.value = ""; });
		await page.type("#f-phone", "138 0013 8000");
		await Promise.all([page.waitForNavigation(), page.click("#save-customer")]);
		check(await page.$eval("#card-name", (e) => e.textContent).catch(() => "") === "赵敏",
		      "the fixed form saves and shows 赵敏's card");
		check(sql("SELECT phone || ' ' || owner || ' ' || channel FROM customer WHERE name = '赵敏'") ===
		      "+8613800138000 li.na walk-in", "stored: phone in E.164, owner li.na, channel walk-in");

		// take an order
		await Promise.all([page.waitForNavigation(), page.click("#take-order")]);
		await page.select("#f-sku1", "CUR-001");
		await page.type("#f-qty1", "2");
		await Promise.all([page.waitForNavigation(), page.click("#save-order")]);
		const body = await page.$eval("main", (e) => e.textContent);
		check(/SH01-\d{8}-\d{4}/.test(body) && body.includes("560.00"),
		      "the order is on the card with its number and total");
		check(sql("SELECT count(*) FROM sales_order o JOIN customer c ON c.id = o.customer_id" +
			  " WHERE c.name = '赵敏' AND o.total = 56000 AND o.staff = 'li.na'") === "1",
		      "the order is in the store, by li.na");

		// an order of five lines: 添加一行 twice adds them in place (JavaScript)
		const cid = sql("SELECT id FROM customer WHERE name = '赵敏'");
		await page.goto(base + "/order/new?customer=" + cid);
		await page.click("#add-line");
		await page.click("#add-line");
		check((await page.$$("#order-lines .line")).length === 5 &&
		      (await page.$eval("label[for=f-qty5]", (e) => e.textContent)) === "数量 5",
		      "添加一行 adds numbered lines in place (5)");
		for (let k = 1; k <= 5; k++) {
			await page.select("#f-sku" + k, "CUR-00" + k);
			await page.type("#f-qty" + k, String(k));
		}
		await shot("order.png");
		await Promise.all([page.waitForNavigation(), page.click("#save-order")]);
		check(page.url().includes("/customer?id="), "the five-line order saves and returns to the card");
		check(sql("SELECT count(*) || ' ' || o.total FROM order_item i JOIN sales_order o ON o.id = i.order_id" +
			  " WHERE o.customer_id = '" + cid + "' AND o.total <> 56000") === "5 82000",
		      "stored as one order of five items (2.80×1 + 2×2 + 3×3 + 4×4 + 5×5 hundred yuan)");
		await page.goto(base + "/customer?id=" + cid);

		// open a complaint
		await page.type("#f-problem", "窗帘轨道安装后松动");
		await Promise.all([page.waitForNavigation(), page.click("#open-ticket")]);
		check((await page.$eval("#ticket-status", (e) => e.textContent).catch(() => "")) === "待处理",
		      "the complaint is open");
		await shot("ticket.png");
		await page.goto(base + "/customer?id=" + sql("SELECT id FROM customer WHERE name = '赵敏'"));
		await shot("card.png");

		// 今日 lists it among the complaints near the 24-hour limit
		await page.goto(base + "/today");
		const today = await page.$eval("main", (e) => e.textContent);
		check(today.includes("投诉") && today.includes("赵敏"), "今日 lists 赵敏's complaint");
		await shot("today.png");

		await signOut(page);
		check(page.url().endsWith("/login"), "signing out returns to the sign-in page");
		await page.goto(base + "/today");
		check(page.url().endsWith("/login"), "after signing out, 今日 asks to sign in again");

		// a manager's 报表 and 同步
		await signIn(page, "mgr", "1234");
		await page.goto(base + "/reports");
		check((await page.$$("svg.chart")).length > 0, "报表 draws charts as SVG");
		await shot("reports.png");
		await page.goto(base + "/sync");
		check((await page.$("#sync-status")) !== null, "同步 shows the sync status");
		await shot("sync.png");
		await signOut(page);
	} catch (e) {
		check(false, "the browser run: " + e.message);
	} finally {
		await browser.close();
	}
})();
