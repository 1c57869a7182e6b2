"""What a student does in the browser, as Selenium steps: the hub's login form, JupyterLab, nbgrader's
assignment list, a notebook's cells. Every wait is bounded; every step can leave a screenshot."""

from __future__ import annotations

import re
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

SPAWN_TIMEOUT = 120  # login -> the user's server spawned -> JupyterLab loaded
STEP_TIMEOUT = 60  # one action in the page (fetch, run a cell, save, submit)
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
DONE_PROMPT = re.compile(r"^\[\d+\]:$")


class Screenshots:
    """Numbered screenshots of one test, in one directory: 01-login.png, 02-lab.png..."""

    def __init__(self, driver: WebDriver, directory: Path):
        self.driver = driver
        self.directory = directory
        self.taken: list[Path] = []

    def __call__(self, name: str) -> Path:
        path = self.directory / f"{len(self.taken) + 1:02d}-{name}.png"
        assert self.driver.save_screenshot(str(path)), f"no screenshot {path}"
        self.taken.append(path)
        return path


class Lab:
    """One user's JupyterLab, reached through the hub at `hub_url`."""

    def __init__(self, driver: WebDriver, hub_url: str, user: str):
        self.driver = driver
        self.hub_url = hub_url.rstrip("/")
        self.user = user

    def wait(self, condition, timeout: float = STEP_TIMEOUT, message: str = ""):
        return WebDriverWait(self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(
            condition, message
        )

    def find(self, css: str, within: WebElement | None = None) -> list[WebElement]:
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    # -- the hub -----------------------------------------------------------------
    def fill_login_form(self, password: str) -> None:
        self.driver.get(f"{self.hub_url}/hub/login")
        self.wait(lambda d: self.find("#login_submit"), message="the hub's login form")
        self.find("#username_input")[0].send_keys(self.user)
        self.find("#password_input")[0].send_keys(password)

    def submit_login(self) -> None:
        """Log in; the hub spawns the user's server and redirects to JupyterLab (default_url /lab)."""
        self.find("#login_submit")[0].click()
        self.wait(
            lambda d: f"/user/{self.user}/lab" in d.current_url and self.find(".lm-MenuBar-itemLabel"),
            SPAWN_TIMEOUT,
            f"{self.user}'s JupyterLab after logging in",
        )
        self.dismiss_notifications()

    def log_out(self) -> None:
        """The hub's logout: its login form again (another user may log in in the same browser)."""
        self.driver.get(f"{self.hub_url}/hub/logout")
        self.wait(lambda d: "/hub/login" in d.current_url and self.find("#login_submit"), message="logged out")

    def dismiss_notifications(self, timeout: float = 5) -> None:
        """JupyterLab asks once whether to fetch Jupyter news: answer no (the toast hides part of the page)."""

        def no_button(_driver):
            buttons = self.find(".Toastify__toast button")
            return next((b for b in buttons if b.text.strip() == "No"), None)

        try:
            button = self.wait(no_button, timeout)
        except TimeoutException:
            return  # not asked this time
        button.click()
        self.wait(lambda d: not self.find(".Toastify__toast"), 10, "the notification gone")

    # -- JupyterLab --------------------------------------------------------------
    def menu(self, top: str, item: str) -> None:
        (entry,) = [e for e in self.find(".lm-MenuBar-item") if e.text == top]
        entry.click()
        choice = self.wait(
            lambda d: [e for e in self.find(".lm-Menu-content .lm-Menu-itemLabel") if e.text == item],
            message=f"menu {top} > {item}",
        )
        choice[0].click()

    def shortcut(self, *keys: str) -> None:
        """Press keys together (e.g. Keys.CONTROL, "s"), as one chord."""
        chain = ActionChains(self.driver)
        for key in keys[:-1]:
            chain.key_down(key)
        chain.send_keys(keys[-1])
        for key in reversed(keys[:-1]):
            chain.key_up(key)
        chain.perform()

    # -- nbgrader's assignment list (Nbgrader > Assignment List) -------------------
    def open_assignment_list(self) -> WebElement:
        """Open it (or bring it to the front) and wait until its three lists are loaded."""
        self.menu("Nbgrader", "Assignment List")
        listing = self.wait(lambda d: self.find("#nbgrader-assignment-list")[0], message="the assignment list")
        self.wait(
            lambda d: (
                len(self.find(".list_loading", listing)) == 3
                and not any(e.is_displayed() for e in self.find(".list_loading", listing))
            ),
            message="the assignment list loaded",
        )
        return listing

    def _row(self, section: str, assignment: str) -> list[WebElement]:
        return [
            row
            for row in self.find(f"#{section}_assignments_list > .list_item")
            if self.find(".item_name", row) and self.find(".item_name", row)[0].text.strip() == assignment
        ]

    def fetch(self, assignment: str) -> None:
        (row,) = self.wait(lambda d: self._row("released", assignment), message=f"{assignment} released")
        (button,) = self.find("button", row)
        assert button.text == "Fetch", button.text
        button.click()
        self.wait(lambda d: self._row("fetched", assignment), message=f"{assignment} in the downloaded assignments")

    def show_notebooks(self, assignment: str) -> list[str]:
        """Expand a downloaded assignment; the names of its notebooks."""
        (row,) = self._row("fetched", assignment)
        link = self.find(".assignment-notebooks-link", row)[0]
        if link.get_attribute("aria-expanded") != "true":
            link.click()
        names = self.wait(
            lambda d: [a.text for a in self.find(".assignment-notebooks .item_name a", row) if a.is_displayed()],
            message=f"the notebooks of {assignment}",
        )
        return names

    def open_from_list(self, assignment: str, notebook: str) -> None:
        (row,) = self._row("fetched", assignment)
        (link,) = [a for a in self.find(".assignment-notebooks .item_name a", row) if a.text == notebook]
        link.click()
        self.wait(lambda d: len(self.cells()) > 1, message=f"{notebook}.ipynb open")
        self.wait(
            lambda d: self.find(f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']"),
            STEP_TIMEOUT,
            "the notebook's kernel idle",
        )

    def list_buttons(self, assignment: str, notebook: str) -> list[str]:
        """The labels of the visible buttons on a downloaded notebook's row (shown by `show_notebooks`)."""
        (row,) = self._row("fetched", assignment)

        def buttons(_driver) -> list[str] | None:
            rows = [r for r in self.find(".nested_list_item", row) if self.find(".item_name a", r)]
            (mine,) = [r for r in rows if self.find(".item_name a", r)[0].text == notebook]
            labels = [b.text for b in self.find("button", mine) if b.is_displayed()]
            return labels if "Validate" not in labels else None

        return self.wait(buttons, 10, f"{notebook}'s Validate replaced in the assignment list")

    def check_from_list(self, assignment: str, notebook: str, check_text: str) -> str:
        """Click a downloaded notebook's "Check my tests" in the assignment list; the check cell's output."""
        self.show_notebooks(assignment)
        (row,) = self._row("fetched", assignment)
        rows = [r for r in self.find(".nested_list_item", row) if self.find(".item_name a", r)]
        (mine,) = [r for r in rows if self.find(".item_name a", r)[0].text == notebook]
        (button,) = self.find("button.qa-arena-list-check", mine)
        before = {c.id: self.find(".jp-InputPrompt", c)[0].text.strip() for c in self.cells()}
        button.click()

        def checked(_driver) -> str | None:
            cells = [c for c in self.cells() if check_text in self.source(c) and c.is_displayed()]
            for cell in cells:
                now = self.find(".jp-InputPrompt", cell)[0].text.strip()
                if now != before.get(cell.id) and DONE_PROMPT.match(now):
                    return self.output(cell)
            return None

        return self.wait(checked, STEP_TIMEOUT, f"{notebook} opened and checked from the assignment list")

    def submit(self, assignment: str) -> None:
        (row,) = self._row("fetched", assignment)
        (button,) = self.find(":scope > div > .item_status > button", row)  # not its notebooks' Validate
        assert button.text == "Submit", button.text
        button.click()
        self.wait(lambda d: self._row("submitted", assignment), message=f"{assignment} in the submitted assignments")

    def fetch_feedback(self, assignment: str) -> None:
        """Click a submitted assignment's "Fetch Feedback"; wait until its submission offers "(view feedback)"."""
        (row,) = self.wait(lambda d: self._row("submitted", assignment), message=f"{assignment} submitted")
        (button,) = self.find(":scope > div > .item_status > button", row)
        assert button.text == "Fetch Feedback", button.text
        button.click()
        self.wait(lambda d: self._feedback_link(assignment), message=f"the feedback of {assignment} fetched")

    def _feedback_link(self, assignment: str) -> WebElement | None:
        rows = self._row("submitted", assignment)
        links = [a for row in rows for a in self.find(".nested_list_item .item_name a", row)]
        return next((a for a in links if a.text.strip() == "(view feedback)"), None)

    def view_feedback(self, assignment: str) -> None:
        """Click "(view feedback)": JupyterLab's file browser goes to the feedback's folder."""
        link = self._feedback_link(assignment)
        assert link is not None, f"no (view feedback) link for {assignment}"
        link.click()

    # -- a notebook ----------------------------------------------------------------
    def cells(self) -> list[WebElement]:
        return self.find(f"{NOTEBOOK} .jp-Notebook .jp-Cell")

    def cell_with(self, text: str, timeout: float = 30) -> WebElement:
        """The one cell whose text holds `text`, once its editor has rendered it (cells fill in after opening)."""

        def found(_driver) -> WebElement | None:
            cells = [c for c in self.cells() if text in self.source(c)]
            return cells[0] if len(cells) == 1 else None

        return self.wait(found, timeout, f"the cell holding {text!r}")

    def source(self, cell: WebElement) -> str:
        return "\n".join(line.text for line in self.find(".cm-line", cell))

    def type_into(self, cell: WebElement, text: str) -> None:
        """Replace a code cell's text by typing it, as a student would.

        The editor indents a new line by itself; each line is typed over that indentation (Shift+Home
        selects it), so the cell ends up with exactly `text`.
        """
        self.find(".cm-content", cell)[0].click()
        self.shortcut(Keys.CONTROL, "a")
        ActionChains(self.driver).send_keys(Keys.DELETE).perform()
        lines = text.rstrip("\n").split("\n")
        for number, line in enumerate(lines):
            chain = ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.HOME).key_up(Keys.SHIFT)
            chain = chain.send_keys(line) if line else chain.send_keys(Keys.DELETE)
            if number < len(lines) - 1:
                chain = chain.send_keys(Keys.ENTER)
            chain.perform()
        self.wait(lambda d: self.source(cell) == text.rstrip("\n"), 10, "the typed text in the cell")

    def run(self, cell: WebElement, timeout: float = STEP_TIMEOUT) -> str:
        """Run one cell (Ctrl+Enter) and wait until it is done; its output text."""
        prompt = self.find(".jp-InputPrompt", cell)[0]
        before = prompt.text.strip()
        prompt.click()  # selects the cell in command mode
        self.shortcut(Keys.CONTROL, Keys.ENTER)  # run in place: Shift+Enter would add a cell after the last

        def done(_driver) -> bool:
            now = prompt.text.strip()
            return now != before and bool(DONE_PROMPT.match(now))

        self.wait(done, timeout, f"the cell to run (prompt {prompt.text!r})")
        return self.output(cell)

    def check_with_button(self, check: WebElement, timeout: float = STEP_TIMEOUT) -> str:
        """Click the notebook's "Check my tests" button; wait until the check cell has run again; its output."""
        prompt = self.find(".jp-InputPrompt", check)[0]
        before = prompt.text.strip()
        (button,) = [b for b in self.find(f"{NOTEBOOK} .qa-arena-check-button") if b.is_displayed()]
        button.click()

        def done(_driver) -> bool:
            now = prompt.text.strip()
            return now != before and bool(DONE_PROMPT.match(now))

        self.wait(done, timeout, "the check cell to run from the button")
        return self.output(check)

    def output(self, cell: WebElement) -> str:
        outputs = self.find(".jp-Cell-outputWrapper", cell)
        return outputs[0].text if outputs else ""

    def save(self) -> None:
        self.shortcut(Keys.CONTROL, "s")
        self.wait(
            lambda d: not self.find(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current.jp-mod-dirty"),
            message="the notebook saved",
        )

    def scroll_to(self, element: WebElement) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)


class Formgrader:
    """nbgrader's formgrader (a hub service, at `url`), as an instructor clicks it: each page is a table
    (#main-table) with a row per assignment or submission and an icon per action in its own column; an
    action shows a dialog with its log when it is done (#success-modal, or #error-modal)."""

    def __init__(self, lab: Lab, url: str):
        self.lab = lab
        self.url = url.rstrip("/")

    def open(self, page: str, key: str, value: str, timeout: float = STEP_TIMEOUT) -> WebElement:
        """Go to a page (e.g. manage_assignments) and wait for the row whose `key` cell reads `value`."""
        self.lab.driver.get(f"{self.url}/{page}")
        return self.wait_row(key, value, timeout)

    def row(self, key: str, value: str) -> WebElement | None:
        rows = [
            row
            for row in self.lab.find("#main-table > tr")
            if [cell for cell in self.lab.find(f":scope > td.{key}", row) if cell.text.strip() == value]
        ]
        return rows[0] if len(rows) == 1 else None

    def wait_row(self, key: str, value: str, timeout: float = STEP_TIMEOUT) -> WebElement:
        return self.lab.wait(lambda d: self.row(key, value), timeout, f"the formgrader's row {key}={value!r}")

    def cell(self, key: str, value: str, column: str) -> str:
        row = self.wait_row(key, value)
        return self.lab.find(f":scope > td.{column}", row)[0].text.strip()

    def act(self, key: str, value: str, column: str, timeout: float = STEP_TIMEOUT) -> WebElement:
        """Click the icon in `column` of the row `key`=`value`; wait for the dialog it ends with (shown, faded in)."""
        row = self.wait_row(key, value)
        links = self.lab.find(f":scope > td.{column} a", row)
        assert len(links) == 1, f"{column} of {value}: {len(links)} links ({row.text!r})"
        self.lab.scroll_to(links[0])
        links[0].click()

        def dialog(driver):
            shown = [m for m in self.lab.find("#success-modal, #error-modal") if m.is_displayed()]
            opaque = shown and driver.execute_script("return getComputedStyle(arguments[0]).opacity", shown[0]) == "1"
            return shown[0] if opaque else None

        return self.lab.wait(dialog, timeout, f"the dialog after clicking {column} of {value}")

    def close_dialog(self) -> None:
        (button,) = [b for b in self.lab.find(".modal .modal-footer button") if b.is_displayed()]
        button.click()
        self.lab.wait(lambda d: not self.lab.find(".modal, .modal-backdrop"), 10, "the dialog closed")
