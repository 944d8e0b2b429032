"""Field test set: the customer book the hand-labelled messages refer to.

Written blind (without looking at the parser).  ``NOW`` is the moment every
message is taken to have been sent; relative dates in the labels are
computed from it.  Two customers (格力电器 and 招商银行) share the contact
title 张总, so that title alone is ambiguous.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from core.parsing import BookEntry

ZONE = "Asia/Shanghai"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo(ZONE))  # a Tuesday

_ROWS = (
    # Chinese customers
    ("中兴通讯", "中兴通讯股份有限公司", ("陈工", "周经理")),
    ("瑞丰医疗", "瑞丰医疗器械有限公司", ("李总",)),
    ("蒙牛乳业", "内蒙古蒙牛乳业（集团）股份有限公司", ("王经理", "赵总监")),
    ("字节跳动", "北京字节跳动科技有限公司", ("刘总", "Kevin")),
    ("格力电器", "珠海格力电器股份有限公司", ("张总", "小孙")),
    ("青岛啤酒", "青岛啤酒股份有限公司", ("黄总",)),
    ("东方航空", "中国东方航空股份有限公司", ("吴经理",)),
    ("阿里巴巴", "阿里巴巴（中国）有限公司", ("马总", "郑经理")),
    ("百度", "北京百度网讯科技有限公司", ("何总",)),
    ("华为", "华为技术有限公司", ("徐总", "林工")),
    ("华为云", "华为云计算技术有限公司", ("高经理",)),
    ("海尔集团", None, ("杨总",)),
    ("京东物流", "京东物流股份有限公司", ("罗经理",)),
    ("中星电子", None, ("谢总", "老胡")),
    ("招商银行", "招商银行股份有限公司", ("张总", "钱经理")),
    ("顺丰速运", "顺丰速运有限公司", ("冯总",)),
    ("美的集团", "美的集团股份有限公司", ("邓总", "曹经理")),
    ("万科", "万科企业股份有限公司", ("许总",)),
    ("比亚迪", None, ("韩总",)),
    ("宁德时代", "宁德时代新能源科技股份有限公司", ("唐工",)),
    ("腾讯", "深圳市腾讯计算机系统有限公司", ("梁总", "Tony")),
    ("小米科技", "小米科技有限责任公司", ("宋经理",)),
    ("伊利股份", "内蒙古伊利实业集团股份有限公司", ("郭总",)),
    # English customers
    ("Stark Industries", "Stark Industries Inc.", ("Pepper Potts", "Happy Hogan")),
    ("Aperture Science", "Aperture Science, Inc.", ("Cave Johnson",)),
    ("Wayne Enterprises", "Wayne Enterprises, Inc.", ("Bruce Wayne", "Lucius Fox")),
    ("Vandelay Industries", None, ("Art Vandelay",)),
    ("Acme Corporation", "Acme Corporation", ("Bob",)),
    ("Globex", "Globex Corporation", ("Hank Scorpio",)),
    ("Contoso", "Contoso Ltd.", ("Megan Bowen",)),
    ("Fabrikam", "Fabrikam, Inc.", ("Alex Wilber",)),
    ("Initech", None, ("Bill Lumbergh", "Peter")),
    ("Hooli", "Hooli XYZ", ("Gavin Belson",)),
    ("Umbrella Corp", "Umbrella Corporation", ("Albert Wesker",)),
    ("Cyberdyne Systems", "Cyberdyne Systems Corp.", ("Miles Dyson",)),
    ("Soylent", None, ("Sol Roth",)),
    ("Tyrell Corp", "Tyrell Corporation", ("Eldon Tyrell",)),
    ("Wonka Industries", None, ("Charlie",)),
    ("Oscorp", "Oscorp Industries", ("Norman Osborn",)),
    ("Massive Dynamic", None, ("Nina Sharp",)),
    ("Pied Piper", "Pied Piper, Inc.", ("Richard Hendricks", "Jared")),
    ("Dunder Mifflin", "Dunder Mifflin Paper Company, Inc.", ("Michael Scott",)),
    ("Sterling Cooper", "Sterling Cooper Draper Pryce", ("Don Draper",)),
    ("Los Pollos Hermanos", None, ("Gus",)),
    ("Buy n Large", "Buy n Large Corporation", ("Shelby",)),
)

BOOK = tuple(
    BookEntry(customer_id=i, name=name, company=company, contacts=contacts)
    for i, (name, company, contacts) in enumerate(_ROWS, start=1)
)
