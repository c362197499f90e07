"""The station workbench (/station/{station}) in a real headless Chromium, over a served app with a
station key: a visit moves the district's coverage figure, a question goes from intake through an
escalation to overdue (on the official calendar, worked out here again) and back to closed, the API's
form errors show beside their fields, no key is one clear error, and names from the data stay text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from browser import XSS_NAMES, Watched, serving, shot, watched
from helpers import edge, node, small_region

from api.app import create_app
from api.auth import KeyRing
from api.settings import Settings
from graph import EmbeddedStore

IMG, SCRIPT = XSS_NAMES
DISTRICT = "district:310112"  # 闵行区, served by station:mh
RATE = f'[data-figure="enterprises_rate"][data-district="{DISTRICT}"]'
ASKED = date(2026, 11, 20)  # a Friday


@dataclass(frozen=True)
class Desk:
    base: str
    key: str

    def url(self, as_of: date | None = None) -> str:
        return f"{self.base}/station/station:mh" + (f"?as_of={as_of.isoformat()}" if as_of else "")

    def api(self, path: str, **params) -> dict:
        answer = httpx.get(self.base + path, params=params, headers={"Authorization": f"Bearer {self.key}"})
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def desk(tmp_path):
    """The small region, plus a department, 闵行 enterprises named to break out of HTML, and a station key."""
    store = EmbeddedStore(tmp_path / "store.sqlite")
    nodes, edges = small_region()
    store.write(nodes + [node("inst:agency", "Institution", "上海市药品监督管理局", type="agency"),
                         node("ent:img", "Enterprise", IMG), node("ent:script", "Enterprise", SCRIPT)],
                edges + [edge("IN_DISTRICT", "ent:b", DISTRICT), edge("IN_DISTRICT", "ent:img", DISTRICT),
                         edge("IN_DISTRICT", "ent:script", DISTRICT)])
    settings = Settings(data_dir=tmp_path)
    ring = KeyRing(settings.ledger_path)
    _, key = ring.create("station", "station:mh")
    with serving(create_app(store, settings, ring)) as base:
        yield Desk(base, key)
    store.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    yield ctx
    ctx.close()


def keyed(context, desk: Desk, statuses_ok: tuple[int, ...] = ()) -> Watched:
    """A watched page whose tab holds the station key (as the key form leaves it)."""
    context.add_init_script(f"sessionStorage.setItem('biokg.key', {json.dumps(desk.key)});")
    return watched(context, statuses_ok)


def loaded(page, day: date) -> None:
    page.wait_for_selector(f"#app[data-loaded='{day.isoformat()}']")


def fifth_working_day_after(day: date) -> date:
    """The due day, from chinesecalendar directly (the official arrangement, not biokg's calendar)."""
    import chinese_calendar

    seen = 0
    while seen < 5:
        day += timedelta(days=1)
        seen += chinese_calendar.is_workday(day)
    return day


def no_injection(page) -> None:
    assert page.locator("img").count() == 0
    assert page.locator("main script").count() == 0


@pytest.mark.browser
def test_a_visit_moves_the_districts_coverage_figure(desk, context):
    from playwright.sync_api import expect

    w = keyed(context, desk)
    page = w.page
    page.goto(desk.url(ASKED))
    loaded(page, ASKED)
    assert page.title().startswith("闵行工作站")
    assert "数据 embedded" in page.text_content("#meta") and "截至 2026-11-20" in page.text_content("#meta")
    # 闵行区: ent:a (in the station's own park), ent:b, ent:img, ent:script; only ent:a covered
    expect(page.locator(RATE)).to_have_text("25.0%")
    assert page.text_content("#coverage li[data-id='ent:img'] .name") == IMG
    assert page.text_content("#coverage li[data-id='ent:script'] .name") == SCRIPT
    no_injection(page)

    page.click(f"#coverage section[data-district='{DISTRICT}'] summary")
    page.click("#coverage button[data-pick='ent:img']")  # the uncovered enterprise into the record form
    form = page.locator("#record-form")
    assert form.locator("input[name=target]").input_value() == "ent:img"
    assert form.locator("select[name=type]").input_value() == "visit"
    assert form.locator("input[name=date]").input_value() == ASKED.isoformat()
    form.locator("textarea[name=note]").fill("上门走访 <b>不是标记</b>")
    form.locator("button[type=submit]").click()
    expect(page.locator(RATE)).to_have_text("50.0%")  # two of the four now covered
    expect(form.locator(".done")).to_contain_text(IMG)
    assert form.locator("input[name=target]").input_value() == ""  # cleared for the next one
    report = desk.api("/api/v1/coverage", district=DISTRICT, as_of=ASKED.isoformat())["districts"][0]
    assert (report["enterprises_covered"], report["enterprises_total"], report["enterprises_rate"]) == (2, 4, 0.5)
    expect(page.locator("#scorecard [data-figure=records]")).to_have_text("1")
    expect(page.locator("#scorecard [data-figure=rank]")).to_have_text("1/1")
    assert page.locator("#coverage li[data-id='ent:img']").count() == 0  # no longer in the uncovered list
    no_injection(page)
    shot(page, "station")
    w.assert_clean()


@pytest.mark.browser
def test_a_question_goes_up_falls_overdue_and_is_closed(desk, context):
    from playwright.sync_api import expect

    due = fifth_working_day_after(ASKED)
    assert due == date(2026, 11, 27)  # Mon 11/23 … Fri 11/27: no holiday in the way
    w = keyed(context, desk)
    page = w.page
    page.goto(desk.url(ASKED))
    loaded(page, ASKED)
    form = page.locator("#question-form")
    form.locator("input[name=enterprise]").fill(SCRIPT)  # an exact name does as well as an id
    form.locator("select[name=category]").select_option(label="产品注册")
    form.locator("textarea[name=text]").fill("型检排期？")
    form.locator("button[type=submit]").click()
    item = page.locator("#questions li[data-state=open]")
    expect(item).to_have_count(1)
    qid = item.get_attribute("data-id")
    assert qid.startswith("question:")
    item = page.locator(f"#questions li[data-id='{qid}']")
    assert item.locator(".name").text_content() == SCRIPT
    assert item.locator(".category").text_content() == "产品注册"
    assert item.locator(".text").text_content() == "型检排期？"
    expect(item.locator(".state")).to_have_text("待处理")

    item.locator("button[data-action=escalate]").click()
    step = item.locator("form[data-action=escalate]")
    step.locator("input[name=to]").fill("上海市药品监督管理局")
    assert step.locator("input[name=date]").input_value() == ASKED.isoformat()
    step.locator("button[type=submit]").click()
    expect(item).to_have_attribute("data-state", "escalated")
    expect(item.locator(".hint")).to_contain_text(f"到期 {due.isoformat()}")
    expect(item.locator(".hint")).to_contain_text("上海市药品监督管理局")

    page.fill("#as-of", due.isoformat())  # the due day itself: due, not yet overdue
    loaded(page, due)
    assert f"as_of={due.isoformat()}" in page.url
    assert page.locator(f"#overdue li[data-id='{qid}']").count() == 0
    expect(page.locator(f"#alerts li[data-id='{qid}']")).to_contain_text("剩 0 个工作日")
    after = due + timedelta(days=1)
    page.fill("#as-of", after.isoformat())  # the day after: overdue
    loaded(page, after)
    late = page.locator(f"#overdue li[data-id='{qid}']")
    expect(late).to_have_count(1)
    assert late.locator(".name").text_content() == SCRIPT
    expect(late.locator(".state")).to_have_text("已上报 · 逾期")
    assert page.locator(f"#alerts li.alert-overdue[data-id='{qid}'] .name").text_content() == SCRIPT
    expect(page.locator("#scorecard [data-figure=overdue]")).to_have_text("1")
    no_injection(page)
    shot(page, "station-overdue")

    with page.expect_download() as got:  # the data behind the list
        page.click(".exports .export-json")
    exported = json.loads(open(got.value.path(), encoding="utf-8").read())
    assert [q["id"] for q in exported["questions"]] == [qid] and exported["as_of"] == after.isoformat()
    with page.expect_download() as got:
        page.click(".exports .export-csv")
    assert SCRIPT in open(got.value.path(), encoding="utf-8-sig").read()

    item = page.locator(f"#questions li[data-id='{qid}']")
    assert item.locator("button[data-action=close]").count() == 0  # an escalated question is answered first
    item.locator("button[data-action=answer]").click()
    item.locator("form[data-action=answer] input[name=note]").fill("市局答复：下周排期")
    item.locator("form[data-action=answer] button[type=submit]").click()
    expect(item).to_have_attribute("data-state", "answered")
    expect(page.locator(f"#overdue li[data-id='{qid}']")).to_have_count(0)
    expect(page.locator("#scorecard [data-figure=within_rate]")).to_have_text("0.0%")  # answered late
    item.locator("button[data-action=close]").click()
    item.locator("form[data-action=close] button[type=submit]").click()
    expect(item).to_have_attribute("data-state", "closed")
    expect(item.locator(".state")).to_have_text("已关闭")
    item.locator("button[data-action=steps]").click()
    expect(item.locator(".steps li")).to_have_count(3)
    assert "市局答复：下周排期" in item.locator(".steps").text_content()
    state = desk.api(f"/api/v1/questions/{qid}", as_of=after.isoformat())
    assert (state["state"], state["due"], state["within"]) == ("closed", due.isoformat(), False)

    page.reload()  # the day stays in the URL
    loaded(page, after)
    assert page.input_value("#as-of") == after.isoformat()
    no_injection(page)
    w.assert_clean()


@pytest.mark.browser
def test_the_apis_form_errors_show_beside_their_fields(desk, context):
    from playwright.sync_api import expect

    w = keyed(context, desk, statuses_ok=(422,))
    page = w.page
    page.goto(desk.url(ASKED))
    loaded(page, ASKED)
    form = page.locator("#record-form")
    form.locator("input[name=target]").fill("无此企业")
    form.locator("button[type=submit]").click()
    error = form.locator(".field-error[data-field=target]")
    expect(error).to_contain_text("no Enterprise or Product")
    assert form.locator("input[name=target][aria-invalid]").count() == 1
    assert form.locator("input[name=target]").input_value() == "无此企业"  # kept, to be corrected

    # the browser already refuses what the API would: a day after tomorrow, a missing category
    form.locator("input[name=date]").fill("2099-01-01")
    assert form.locator("input[name=date]:invalid").count() == 1
    assert page.locator("#question-form select[name=category]:invalid").count() == 1
    form.locator("input[name=date]").fill(ASKED.isoformat())
    form.locator("input[name=target]").fill("ent:b")
    form.locator("button[type=submit]").click()
    expect(form.locator(".done")).to_contain_text("已记录：澜启医疗器械有限公司")
    assert form.locator(".field-error").count() == 0

    qform = page.locator("#question-form")
    qform.locator("input[name=enterprise]").fill("ent:b")
    qform.locator("select[name=category]").select_option("other")
    qform.locator("textarea[name=text]").fill("？")
    qform.locator("button[type=submit]").click()
    item = page.locator("#questions li[data-state=open]")
    expect(item).to_have_count(1)
    item.locator("button[data-action=escalate]").click()
    step = item.locator("form[data-action=escalate]")
    step.locator("input[name=to]").fill("示例医院")  # a hospital is no department
    step.locator("button[type=submit]").click()
    expect(step.locator(".field-error[data-field=to]")).to_contain_text("not a department")
    assert item.get_attribute("data-state") == "open"
    no_injection(page)
    shot(page, "station-errors")
    w.assert_clean()


@pytest.mark.browser
def test_without_a_key_the_page_says_so_and_takes_one(desk, context):
    from playwright.sync_api import expect

    w = watched(context, statuses_ok=(401,))
    page = w.page
    page.goto(desk.url(ASKED))
    error = page.locator("#app .error[role=alert]")
    expect(error.locator(".message")).to_contain_text("send a key")
    expect(error.locator(".hint")).to_contain_text("密钥")
    assert page.locator("#record-form").count() == 0
    shot(page, "station-no-key")

    page.click("#key-button")  # a wrong key: refused, as clearly
    page.fill("#key", "bkg_00000000_" + "A" * 43)
    page.click("#key-form button[type=submit]")
    expect(error.locator(".message")).to_contain_text("key")
    assert page.locator("#record-form").count() == 0

    page.click("#key-button")  # the right one: the workbench
    page.fill("#key", desk.key)
    page.click("#key-form button[type=submit]")
    loaded(page, ASKED)
    expect(page.locator(RATE)).to_have_text("25.0%")
    assert page.locator("#app .error").count() == 0
    w.assert_clean()
