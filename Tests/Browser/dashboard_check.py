"""Drives Debian's chromium (through chromium-driver and selenium) against a live kontextd dashboard.

Usage: dashboard_check.py ADMIN_URL SINK_NAME SINK_PATH REJECTED_TASK_UUID COMPLETED_TASK_UUID...
(SINK_NAME/SINK_PATH: the directory sink the daemon runs with; every result must show as delivered there.)
Prints one line per check and exits non-zero on the first failure, with the reason.
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

admin, sink, sink_path, rejected, completed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
errors = []


def collect_console():
    for entry in driver.get_log("browser"):
        if entry.get("level") == "SEVERE":
            errors.append(entry.get("message", ""))


def images_decoded():
    # Every thumbnail finished loading and decoded to real pixels.
    return driver.execute_script(
        "return Array.from(document.images).every(function (i) { return i.complete && i.naturalWidth > 0; });")


try:
    driver.set_page_load_timeout(60)
    driver.get(admin + "/")
    rows = {row.get_attribute("data-task"): row.get_attribute("data-state")
            for row in driver.find_elements(By.CSS_SELECTOR, "#task-rows tr")}
    for uuid in completed:
        if rows.get(uuid) != "completed":
            fail("list: task %s shows %r, expected completed (rows: %r)" % (uuid, rows.get(uuid), rows))
    print("list: %d tasks completed" % len(completed))
    thumbnails = driver.find_elements(By.CSS_SELECTOR, "#task-rows img.thumb")
    if len(thumbnails) < len(completed):
        fail("list: %d thumbnails for %d completed tasks" % (len(thumbnails), len(completed)))
    # Lazy images below the fold load once scrolled to; then all must have decoded.
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight);")
    try:
        WebDriverWait(driver, 30).until(lambda d: images_decoded())
    except Exception:
        broken = driver.execute_script(
            "return Array.from(document.images).filter(function (i) { return !(i.complete && i.naturalWidth > 0); })"
            ".map(function (i) { return i.src; });")
        fail("list: thumbnails did not decode: %r" % broken)
    print("list: %d thumbnails decoded (naturalWidth > 0)" % len(thumbnails))
    # The health panel lists the sink with nothing waiting.
    sink_rows = driver.find_elements(By.CSS_SELECTOR, "#sinks tr[data-sink]")
    listed = {row.get_attribute("data-sink"): (row.get_attribute("data-backlog"), row.get_attribute("data-state"))
              for row in sink_rows}
    if listed.get(sink) != ("0", "ok"):
        fail("health panel: sink %s shows (backlog, state) %r, expected ('0', 'ok') (sinks: %r)" % (sink, listed.get(sink), listed))
    backlog_cell = driver.find_element(By.CSS_SELECTOR, "#sinks tr[data-sink='%s'] td.backlog" % sink).text
    if backlog_cell != "0":
        fail("health panel: the backlog cell of %s reads %r" % (sink, backlog_cell))
    print("health panel: sink %s backlog 0, state ok" % sink)
    collect_console()

    # Every result of every completed task shows the sink as delivered, with the file's location.
    for uuid in completed:
        driver.get(admin + "/tasks/" + uuid)
        images = [row.get_attribute("data-image") for row in driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")]
        synced = {}
        for row in driver.find_elements(By.CSS_SELECTOR, "#sync tbody tr[data-image]"):
            location = row.find_element(By.CSS_SELECTOR, "td.location").text
            synced[row.get_attribute("data-image")] = (row.get_attribute("data-sink"), row.get_attribute("data-state"), location)
        if not images:
            fail("task page %s: no results" % uuid)
        for image in images:
            got = synced.get(image)
            if got is None or got[0] != sink or got[1] != "delivered":
                fail("task page %s: result %s shows sync %r, expected %s delivered" % (uuid, image, got, sink))
            if not got[2].startswith(sink_path + "/") or image not in got[2]:
                fail("task page %s: result %s location %r is not below %s" % (uuid, image, got[2], sink_path))
        print("task page %s: %d results delivered to %s" % (uuid, len(images), sink))
        collect_console()

    driver.get(admin + "/tasks/" + completed[0])
    results = driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    if not results:
        fail("task page: no results shown")
    WebDriverWait(driver, 30).until(lambda d: images_decoded())
    timeline = driver.find_element(By.ID, "timeline").text
    for step in ("queued", "submitted to Runware", "received", "stored", "completed"):
        if step not in timeline:
            fail("task page: timeline lacks %r: %r" % (step, timeline))
    print("task page: %d results, timeline %r" % (len(results), timeline.replace("\n", " | ")))
    collect_console()

    driver.get(admin + "/tasks/" + rejected)
    state = driver.find_element(By.ID, "task").get_attribute("data-state")
    if state != "rejected":
        fail("rejected task page: state %r" % state)
    codes = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "#errors td.error-code")]
    messages = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "#errors td.error-message")]
    if not codes or not codes[0] or not messages or not messages[0]:
        fail("rejected task page: Runware's code and message are not shown (codes %r, messages %r)" % (codes, messages))
    print("rejected task page: %s: %s" % (codes[0], messages[0]))
    collect_console()

    if errors:
        fail("console errors: %r" % errors)
    print("console: no errors")
finally:
    driver.quit()
