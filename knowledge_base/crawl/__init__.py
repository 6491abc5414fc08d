"""Crawl record of the national TTHC database -> Procedure data + per-field problems (pure functions).

The crawl (`ma_thu_tuc`, `cach_thuc_thuc_hien`, ...) keeps each portal section as flattened page text:
table cells run together ("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến7 Ngày làm việc10,000 đồng").
Each parser reads one section and returns structure; what it cannot read is reported as a problem
for that field (never guessed). One module per section: `channels` ("Cách thức thực hiện": ways, time,
fees), `documents` ("Thành phần hồ sơ"), `steps` ("Trình tự thực hiện"), `legal` ("Căn cứ pháp lý"),
`fields` (level, target users, result, conditions, agency, online level); `record` assembles a record
and `text` holds the shared text helpers. Everything callers use is re-exported here.
Rules worth knowing (also in the README of scripts/build_national_kb.py):

- processing_days: working days only. A channel row "N Ngày làm việc" is a working-day number; "N Ngày"
  (calendar days), "N Giờ", "N Tháng" and a bare "N" (unit not published) are not. When several rows
  exist, the number is the largest row value and only when every row is in working days; otherwise None.
- online_level: "toan_trinh" only when the text says "toàn trình"; "mot_phan" when online submission
  is offered (Trực tuyến row); "none" otherwise. The crawl carries no end-to-end flag, so we never
  promote a record to toàn trình on a guess.
- level: "Cấp bộ, Cấp tỉnh" -> "bộ, tỉnh"; "Cơ quan khác" -> "khác"; order as published.
- agency: `co_quan_thuc_hien`, else `co_quan_co_tham_quyen`, else the first public body named in the
  steps text (reported as a problem: inferred), else a placeholder pointing to the portal page.
- steps: "Bước N" blocks (also "2.1.3. Bước 3 thẩm định" and "...xử lýBước 10 Duyệt", without a separator),
  else the top-level sections ("a) b)", "1. 2.", "i) ii)" or "* Trường hợp ..." bullets) with nested lists
  and "-"/"+" bullets kept inside their step, else paragraphs; a heading between two lists of steps opens
  the next step.
- fees: amounts in VND; "Miễn phí" -> no fee item and fee_note "Miễn phí"; USD kept as text only;
  an amount under 1,000 VND is treated as a data-entry slip: the amount in the note ("20.000 vnđ/tờ
  khai") is used when there is one, otherwise the amount stays unknown and a problem is reported.
"""

from __future__ import annotations

from knowledge_base.crawl.channels import CHANNEL_LABELS as CHANNEL_LABELS
from knowledge_base.crawl.channels import CHANNEL_ORDER as CHANNEL_ORDER
from knowledge_base.crawl.channels import (
    ChannelRow,
    channels_of,
    fees_of,
    parse_channel_rows,
    processing_days_of,
    processing_time_text,
)
from knowledge_base.crawl.documents import parse_documents
from knowledge_base.crawl.fields import (
    agency_from_text,
    online_level_of,
    parse_conditions,
    parse_level,
    parse_result,
    split_top_level,
)
from knowledge_base.crawl.legal import parse_legal_basis
from knowledge_base.crawl.record import (
    DEFAULT_VERIFIED_ON,
    SOURCE_NAME,
    CrawlParse,
    is_crawl_record,
    parse_crawl_record,
)
from knowledge_base.crawl.record import UNKNOWN_AGENCY as UNKNOWN_AGENCY
from knowledge_base.crawl.steps import parse_steps
from knowledge_base.crawl.text import NO_INFO as NO_INFO

__all__ = [
    "ChannelRow",
    "CrawlParse",
    "DEFAULT_VERIFIED_ON",
    "SOURCE_NAME",
    "agency_from_text",
    "channels_of",
    "fees_of",
    "is_crawl_record",
    "online_level_of",
    "parse_channel_rows",
    "parse_conditions",
    "parse_crawl_record",
    "parse_documents",
    "parse_legal_basis",
    "parse_level",
    "parse_result",
    "parse_steps",
    "processing_days_of",
    "processing_time_text",
    "split_top_level",
]
