"""Drives Debian's Chromium through Playwright against a running node's web server: uploads a clip through the
upload page, waits for its renditions, plays it (currentTime advances), seeks, checks that a hostile title is
shown as text, searches by tag, checks that another origin cannot change a video, and takes screenshots.

usage: portal_flow.py BASE_URL VIDEO_FILE OUTPUT_DIR TITLE
Prints one JSON line with what it saw; exits non-zero on the first failed check."""
import json
import sys
import time

from playwright.sync_api import sync_playwright

base, video, output, title = sys.argv[1:5]
report = {}


def check(condition, message):
    if not condition:
        print(json.dumps({"failed": message, **report}))
        sys.exit(1)


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        headless=True,
    )
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        page.goto(base + "upload")
        page.set_input_files("input[name=file]", video)
        page.fill("input[name=title]", title)
        page.fill("input[name=tags]", "zentest, clips")
        started = time.time()
        page.click("#upload button")
        page.wait_for_selector("#renditions li", timeout=120_000)
        page.wait_for_selector("#done:not([hidden])", timeout=300_000)
        report["upload_to_published_s"] = round(time.time() - started, 2)
        report["renditions"] = page.eval_on_selector_all("#renditions li", "items => items.map(i => i.textContent)")
        check(all(r.endswith("100%") for r in report["renditions"]), "every rendition finished")
        check(page.inner_text("#failure") == "", "no failure shown")
        href = page.get_attribute("#watch", "href")
        video_id = href.split("/")[-1]
        report["id"] = video_id

        page.goto(base + href.lstrip("/"))
        check(page.inner_text("#title") == title, "the title renders as text")
        check(page.eval_on_selector("#player", "v => v.canPlayType('application/vnd.apple.mpegurl')") != "", "HLS")
        page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; v.play(); }")
        first = time.time()
        page.wait_for_function("() => document.getElementById('player').currentTime > 0", timeout=60_000)
        report["first_frame_s"] = round(time.time() - first, 2)
        page.wait_for_function("() => document.getElementById('player').currentTime > 1.5", timeout=60_000)
        report["height"] = page.eval_on_selector("#player", "v => v.videoHeight")
        check(report["height"] > 0, "the picture decodes")
        page.screenshot(path=output + "/video.png")
        page.evaluate("() => { const v = document.getElementById('player'); v.currentTime = 4; }")
        page.wait_for_function(
            "() => { const v = document.getElementById('player'); return !v.seeking && v.currentTime > 4.2; }",
            timeout=60_000,
        )
        report["after_seek"] = page.eval_on_selector("#player", "v => v.currentTime")
        check(page.inner_text(".facts").find("magnet:?xt=urn:btih:" + video_id) >= 0, "magnet link")

        page.goto(base + "search?tag=zentest")
        cards = page.eval_on_selector_all("#results .card", "cards => cards.map(c => c.getAttribute('href'))")
        check(href in cards, "the tag search finds the video")
        page.goto(base + "search?tag=nothing-has-this")
        check(page.locator("#results .card").count() == 0, "a tag nobody uses finds nothing")

        page.goto(base)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=output + "/home.png")
        page.goto(base + "node")
        page.screenshot(path=output + "/node.png")
        check("This node" in page.inner_text("h1"), "the node page")

        # Another origin (localhost instead of 127.0.0.1) tries to rename the video: refused, nothing changes.
        other = base.replace("127.0.0.1", "localhost")
        page.goto(other + "node")
        status = page.evaluate(
            """async (id) => {
                try {
                    const r = await fetch('%sapi/videos/' + id + '/edit', {method: 'POST', mode: 'no-cors',
                        headers: {'Content-Type': 'text/plain'}, body: '{"title":"pwned","tags":""}'});
                    return r.type;
                } catch (e) { return 'blocked'; }
            }""" % base,
            video_id,
        )
        report["cross_origin"] = status
        page.goto(base + "api/videos/" + video_id)
        check("pwned" not in page.content(), "a cross-origin POST changes nothing")
        check(dialogs == [], "no script of a title ran")
    finally:
        browser.close()

print(json.dumps(report))
