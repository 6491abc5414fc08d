"""`hotline chat` (terminal) and `hotline bot ...` commands."""

from __future__ import annotations

from typer.testing import CliRunner

from bot import texts


def test_terminal_chat_with_numbered_buttons(bot_settings, bot_parser, monkeypatch):
    import common.settings
    import nlu.pipeline
    from hotline.cli import app

    monkeypatch.setattr(common.settings, "get_settings", lambda: bot_settings)
    monkeypatch.setattr(nlu.pipeline, "get_parser", lambda settings, kb=None: bot_parser)
    result = CliRunner().invoke(app, ["chat", "--session", "cli-test"], input="xin chào\n1\nhủy\n")
    assert result.exit_code == 0, result.output
    assert texts.GREET in result.output
    assert f"[1] {texts.BTN_FEEDBACK}" in result.output
    assert texts.ASK_CONTENT in result.output  # "1" pressed the first button
    assert texts.CANCELLED in result.output


def test_handoffs_listing_and_clearing(bot_settings, monkeypatch):
    import common.settings
    from bot.state import ConversationStore
    from hotline.cli import app

    monkeypatch.setattr(common.settings, "get_settings", lambda: bot_settings)
    store = ConversationStore(bot_settings.effective_database_url)
    conv = store.load("zalo", "2512523625412515")
    conv.handoff = True
    store.save(conv)
    runner = CliRunner()
    listed = runner.invoke(app, ["bot", "handoffs"])
    assert listed.exit_code == 0 and "zalo:2512523625412515" in listed.output
    cleared = runner.invoke(app, ["bot", "handoffs", "--clear", "zalo:2512523625412515"])
    assert cleared.exit_code == 0
    assert "Không có cuộc hội thoại nào" in runner.invoke(app, ["bot", "handoffs"]).output
    assert runner.invoke(app, ["bot", "handoffs", "--clear", "zalo:nobody"]).exit_code == 1
    store.dispose()


def test_zalo_config_check(bot_settings, monkeypatch):
    import common.settings
    from hotline.cli import app

    monkeypatch.setattr(common.settings, "get_settings", lambda: bot_settings)
    ok = CliRunner().invoke(app, ["bot", "zalo"])
    assert ok.exit_code == 0 and "/webhooks/zalo" in ok.output
    bot_settings.zalo_oa_secret_key = ""
    missing = CliRunner().invoke(app, ["bot", "zalo"])
    assert missing.exit_code == 2 and "HOTLINE_ZALO_OA_SECRET_KEY" in missing.output
