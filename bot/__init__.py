"""The conversational bot: a channel-agnostic dialogue engine plus web chat, Telegram and Zalo OA adapters.

Layout
- messages.py   Inbound / Reply / Button / Image: what adapters hand to the engine and get back (Reply and
                Button are nlu.reply's, so the answer composer's replies are sent as they are).
- engine.py     Engine.handle(inbound) -> list[Reply]: per-conversation lock, update-id dedup, state load/save
                (optimistic version check across processes), routing to the flows.
- flows/        qa.py (procedure Q&A with context), form.py (feedback form), status.py (lookup, own items).
- rules.py      pure text rules (tracking codes, VN phone numbers, yes/no/skip/cancel, "sửa <mục>").
- state.py      the bot's own tables (bot_conversation, bot_processed_event, bot_pending_message) in the
                product database, created with metadata.create_all.
- client.py     FeedbackClient: the feedback API over HTTP (never imported), pydantic requests/responses.
- notify.py     outbox events (POST /bot/events, HMAC-signed; only those the bot acts on, a needs_info
                one with the agency's question) -> notices to the citizen's channel.
- channels/     web.py (POST /api/v1/chat, GET /api/v1/chat/{id}/messages, GET /chat widget),
                telegram.py (python-telegram-bot, webhook + polling), zalo.py (OA webhook + message API).
- web.py        install(app, settings): mounts all of it on the served app.
- cli.py        `hotline chat`, `hotline bot telegram|zalo|handoffs`.

Configuration (env, prefix HOTLINE_)
- API_BASE_URL: where the bot reaches the feedback API (and where the outbox posts /bot/events).
- BOT_USERNAME / BOT_PASSWORD: the operator account the bot signs in with (password: a shared secret
  under DATA_DIR/secrets when unset); BOT_EVENTS_SECRET: HMAC key of outbox events (same rule).
- Telegram: TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET (checked against X-Telegram-Bot-Api-Secret-Token;
  a shared secret when unset), TELEGRAM_BASE_URL. Webhook: `hotline bot telegram --webhook
  https://host/webhooks/telegram` registers it; polling: `hotline bot telegram`.
- Zalo OA: ZALO_APP_ID, ZALO_OA_SECRET_KEY (verifies X-ZEvent-Signature), ZALO_OA_ACCESS_TOKEN,
  ZALO_API_BASE; events arrive at POST /webhooks/zalo.
- HOTLINE_PHONE / HOTLINE_HOURS: told to citizens on handoff.
"""
