"""The book every parsing test reads against, and the fixed moment of the corpus.

Two customers share a contact called 张总 and two share 王总, so a contact alone is ambiguous;
华为 and 华为云 overlap, so the longer name must win.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.parsing import BookEntry, CustomerIndex

ZONE = "Asia/Shanghai"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo(ZONE))  # a Tuesday

BOOK = (
    BookEntry(1, "Acme", "Acme Corporation", ("Jane Doe",)),
    BookEntry(2, "华为", "华为技术有限公司", ("李经理",)),
    BookEntry(3, "星辰科技", "深圳市星辰科技有限公司", ("张总",)),
    BookEntry(4, "Globex", "Globex Inc", ("Bob Smith",)),
    BookEntry(5, "腾讯", "深圳市腾讯计算机系统有限公司", ("马经理",)),
    BookEntry(6, "Initech", "Initech LLC", ("Peter Gibbons",)),
    BookEntry(7, "蓝海物流", "上海蓝海物流有限公司", ("王总",)),
    BookEntry(8, "鼎盛贸易", "广州鼎盛贸易有限公司", ("张总",)),
    BookEntry(9, "Umbrella", "Umbrella Corp", ("Alice Wong",)),
    BookEntry(10, "Hooli", "Hooli Inc", ("Gavin Belson",)),
    BookEntry(11, "阿里巴巴", "阿里巴巴集团", ("陈总",)),
    BookEntry(12, "小米", "小米科技有限责任公司", ("刘经理",)),
    BookEntry(13, "京东物流", "京东物流集团", ("周总",)),
    BookEntry(14, "Stark Industries", "Stark Industries Ltd", ("Pepper Potts",)),
    BookEntry(15, "Wayne Enterprises", None, ("Lucius Fox", "Bruce Wayne")),
    BookEntry(16, "美团", None, ("赵总",)),
    BookEntry(17, "比亚迪", "比亚迪股份有限公司", ("孙总",)),
    BookEntry(18, "Soylent", "Soylent Corp", ("Tom Lee",)),
    BookEntry(19, "恒信银行", None, ("王总",)),
    BookEntry(20, "Vandelay Industries", None, ("Art Vandelay",)),
    BookEntry(21, "海尔", "海尔集团", ("吴经理",)),
    BookEntry(22, "Cyberdyne", "Cyberdyne Systems", ("Miles Dyson",)),
    BookEntry(23, "华为云", "华为云计算技术有限公司", ()),
    BookEntry(24, "Initrode", "Initrode Inc", ()),
    # registered full names that reps shorten (issue 11): 中兴, 瑞丰, stark ind, 青啤, 东航 …
    BookEntry(25, "中兴通讯", "中兴通讯股份有限公司", ("黄经理",)),
    BookEntry(26, "瑞丰医疗", None, ("李总",)),
    BookEntry(27, "蒙牛乳业", None, ()),
    BookEntry(28, "字节跳动", None, ("Kevin Zhang",)),
    BookEntry(29, "格力电器", "珠海格力电器股份有限公司", ("董总",)),
    BookEntry(30, "青岛啤酒", "青岛啤酒股份有限公司", ()),
    BookEntry(31, "东方航空", "中国东方航空股份有限公司", ()),
    BookEntry(32, "Aperture Science", None, ("Cave Johnson",)),
    BookEntry(33, "百度", "百度在线网络技术有限公司", ()),
    BookEntry(34, "中星电子", None, ()),
    BookEntry(35, "Contoso", "Contoso Ltd", ()),
    BookEntry(36, "Fabrikam", "Fabrikam Inc", ()),
)


def book_index() -> CustomerIndex:
    return CustomerIndex(BOOK)
