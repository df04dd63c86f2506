#!/usr/bin/env python3
"""Drives examples/notes in headless Chromium (Debian's chromium and
chromium-driver, through python3-selenium): register, log in, create a note,
see it listed, edit it, search for it, delete it, log out; a second browser
(another user) does not see the first user's notes; a form posted without
its CSRF token is refused. Saves screenshots of the list and edit pages in
OUTDIR and fails on any console error of the pages.

    notes_browser.py BASE_URL OUTDIR
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE, OUT = sys.argv[1].rstrip("/"), sys.argv[2]
failures = []
passed = 0


def check(what, ok, detail=""):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(f"{what}: {detail}")
        print(f"FAIL: {what}: {detail}", file=sys.stderr)


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--disable-gpu", "--window-size=1000,900"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(30)
    return d


def console_errors(d, where):
    # chromedriver on a loaded machine now and then answers a log request
    # with an empty error; asking again gets the log.
    for attempt in range(3):
        try:
            log = d.get_log("browser")
            break
        except WebDriverException:
            if attempt == 2:
                raise
            time.sleep(1)
    errs = [e["message"] for e in log if e["level"] == "SEVERE"]
    check(f"no console errors on {where}", not errs, "; ".join(errs))


def fill(d, fields):
    for name, value in fields.items():
        el = d.find_element(By.NAME, name)
        el.clear()
        el.send_keys(value)


def click(d, el):
    """Clicks el and waits for the next page to replace this one. A
    command that meets the page in the middle of its navigation may get an
    empty error from chromedriver on a loaded machine: what counts is that
    the next page came, within 20 s."""
    old = d.find_element(By.TAG_NAME, "html")
    failed = None
    try:
        el.click()
    except WebDriverException as e:
        failed = e
    try:
        WebDriverWait(d, 20, ignored_exceptions=(WebDriverException,)).until(
            EC.staleness_of(old))
    except TimeoutException:
        raise failed or TimeoutException("the next page did not come in 20 s")


def submit(d, form_css="main form.card"):
    click(d, d.find_element(By.CSS_SELECTOR, form_css + " button[type=submit]"))




def text(d):
    return d.find_element(By.TAG_NAME, "body").text


def register(d, user):
    d.get(BASE + "/register")
    fill(d, {"username": user, "password": "correct horse"})
    submit(d)
    check(f"{user} registered and lands on the notes", d.current_url.endswith("/notes"), d.current_url)
    check(f"{user} sees the welcome flash", "Welcome!" in text(d), text(d))


a = browser()
b = None
try:
    a.get(BASE + "/")
    check("/ shows the login form", len(a.find_elements(By.CSS_SELECTOR, "form[action='/login']")) == 1, a.page_source[:300])
    css = a.execute_script("return getComputedStyle(document.body).fontFamily")
    check("the stylesheet applies", "system-ui" in css, css)
    console_errors(a, "the login page")

    register(a, "ada")
    click(a, a.find_element(By.CSS_SELECTOR, "form.logout button"))
    check("logged out", "You are logged out." in text(a), text(a))
    a.get(BASE + "/notes")
    check("the notes need a login", a.current_url.endswith("/login"), a.current_url)
    fill(a, {"username": "ada", "password": "correct horse"})
    submit(a)
    check("logged in", "You are logged in." in text(a), text(a))

    # create, with an error first: the input is kept
    click(a, a.find_element(By.LINK_TEXT, "New note"))
    fill(a, {"title": "Groceries"})
    submit(a)
    check("an empty body is refused next to the field",
          "The note is empty" in a.find_element(By.ID, "body-error").text, text(a))
    check("the title is kept", a.find_element(By.NAME, "title").get_attribute("value") == "Groceries")
    a.get_log("browser")  # the 422 itself is logged: expected
    fill(a, {"body": "Milk, eggs and <b>bread</b>"})
    submit(a)
    check("note saved", "Note saved." in text(a), text(a))
    check("note listed", "Groceries" in text(a) and "<b>bread</b>" in text(a), text(a))
    for i in range(3):
        click(a, a.find_element(By.LINK_TEXT, "New note"))
        fill(a, {"title": f"Idea {i}", "body": f"Something worth keeping, number {i}.\nSecond line."})
        submit(a)
    a.save_screenshot(f"{OUT}/notes-list.png")
    a.set_window_size(390, 844)  # a phone
    wide = a.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
    check("no sideways scrolling on a phone", not wide)
    a.save_screenshot(f"{OUT}/notes-list-phone.png")
    a.set_window_size(1000, 900)
    console_errors(a, "the list page")

    # edit
    click(a, a.find_element(By.LINK_TEXT, "Groceries"))
    check("edit page shows the note", a.find_element(By.NAME, "title").get_attribute("value") == "Groceries")
    a.save_screenshot(f"{OUT}/notes-edit.png")
    console_errors(a, "the edit page")
    fill(a, {"title": "Shopping list"})
    submit(a)
    check("edit saved", "Shopping list" in text(a) and "Groceries" not in text(a), text(a))

    # search
    box = a.find_element(By.NAME, "q")
    box.send_keys("BREAD")
    click(a, a.find_element(By.CSS_SELECTOR, "form.search button"))
    t = text(a)
    check("search finds the note by its body", "Shopping list" in t and "Idea 1" not in t, t)
    a.get(BASE + "/notes?q=nothing-like-this")
    check("search without a match says so", "No note matches" in text(a), text(a))

    # another user sees none of it
    b = browser()
    register(b, "bob")
    check("bob does not see ada's notes", "Shopping list" not in text(b) and "No notes yet" in text(b), text(b))
    b.get(BASE + "/notes?q=bread")
    check("bob's search finds nothing of ada's", "Shopping list" not in text(b), text(b))
    a.get(BASE + "/notes")
    href = a.find_element(By.LINK_TEXT, "Shopping list").get_attribute("href")
    b.get(href)
    check("ada's note is 404 for bob", "Shopping list" not in b.page_source and "no such note" in b.page_source, b.page_source[:300])
    b.get_log("browser")  # the 404 itself is logged: expected

    # a form posted without its CSRF token is refused
    click(a, a.find_element(By.LINK_TEXT, "New note"))
    a.execute_script("document.querySelector('main form.card input[name=csrf_token]').remove()")
    fill(a, {"title": "Forged", "body": "no token"})
    submit(a)
    check("a post without the CSRF token is refused", "403" in a.page_source or "CSRF" in a.page_source, a.page_source[:300])
    a.get_log("browser")  # the 403 itself is logged: expected
    a.get(BASE + "/notes")
    check("nothing was saved without the token", "Forged" not in text(a), text(a))

    # delete, log out
    click(a, a.find_element(By.XPATH, "//li[.//a[text()='Shopping list']]//button[text()='Delete']"))
    check("note deleted", "Note deleted." in text(a) and "Shopping list" not in text(a), text(a))
    click(a, a.find_element(By.CSS_SELECTOR, "form.logout button"))
    check("logged out at the end", "You are logged out." in text(a), text(a))
    console_errors(a, "the last pages")
except Exception as e:  # a missing element or a dead browser
    failures.append(f"browser run stopped: {e!r}")
    print(f"FAIL: browser run stopped: {e!r}", file=sys.stderr)
    try:
        a.save_screenshot(f"{OUT}/failure.png")
    except Exception:
        pass
finally:
    a.quit()
    if b is not None:
        b.quit()

print(f"notes in Chromium: {passed} passed, {len(failures)} failed; screenshots in {OUT}")
sys.exit(1 if failures or passed == 0 else 0)
