"""Word lists the readers share. Kept in Python (not a data file) so the package needs no
package-data entry and the lists are compiled once at import."""

from __future__ import annotations

# English words that are never a customer unless written with the customer's own capitals
# ("Target", "Shell"), and never worth a fuzzy look-up (a typo of "quote" is not a customer).
COMMON_WORDS = frozenset(
    """
a about above after again against all also am an and any are as at back be because been before
being below between both but by can could did do does doing done down during each email emailed
few for from further had has have having he her here hers him his how i if in into is it its
just me more most my no nor not now of off on once only or other our out over own same she
should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you
your yours call called calls calling phone phoned rang ring visit visited visiting meet met
meeting meetings lunch dinner breakfast coffee drinks deal deals signed sign closed close won
order ordered renewal renew renewed contract quote quoted price pricing invoice payment paid
message messaged text texted wechat sms follow followup remind reminder next last this today
tomorrow yesterday tonight morning afternoon evening week weeks month months year years day days heard rumor rumour
monday tuesday wednesday thursday friday saturday sunday jan feb mar apr may jun jul aug sep
sept oct nov dec january february march april june july august september october november
december they them client clients customer customers team boss sent send sending asked ask about
happy unhappy positive negative great good bad satisfaction rating complaint complained suggest
suggested suggestion question questions want wants wanted need needs needed new old units unit
pcs demo trial proposal product products service services support delivery issue issues problem
problems discount budget target shell apple orange office general first second third one
two three four five six seven eight nine ten hundred thousand million k m about around approx
please thanks thank ok okay yes via re fw fwd went go going gone said says told tell talk talked
chat chatted spoke speak discussed discuss discussion update updated mr mrs ms dr sir
got get gets whatsapp zoom teams linkedin slack skype webex facetime
pass passed try tried trying pls plz bump bumped
""".split()
)

# Chinese words that start or end a name-like span when the customer is not in the book.
ZH_COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "公司",
    "集团",
    "科技",
    "技术",
    "物流",
    "银行",
    "医院",
    "学校",
    "大学",
    "酒店",
    "工厂",
    "厂",
    "商贸",
    "贸易",
    "实业",
    "电子",
    "网络",
    "传媒",
    "餐饮",
    "地产",
    "置业",
    "建设",
    "建筑",
    "制造",
    "机械",
    "电器",
    "汽车",
    "能源",
    "医药",
    "药业",
    "食品",
    "服饰",
    "服装",
    "文化",
    "教育",
    "咨询",
    "设计",
    "工作室",
    "事务所",
    "商行",
    "超市",
    "商场",
    "中心",
    "研究院",
    "软件",
    "信息",
    "控股",
    "投资",
    "基金",
    "证券",
    "保险",
    "航空",
    "快递",
    "供应链",
    "新材料",
    "生物",
    "化工",
    "纺织",
    "家居",
    "装饰",
    "广告",
    "通信",
    "股份",
    "乳业",
    "通讯",
    "数据",
    "医疗",
    "啤酒",
    "电气",
    "速运",
    "快运",
    "石油",
    "石化",
    "电力",
    "重工",
    "钢铁",
    "矿业",
    "光电",
    "半导体",
    "微电子",
    "智能",
    "健康",
    "制药",
    "器械",
    "环保",
    "新能源",
    "系统",
    "电商",
    "零售",
    "百货",
    "酒业",
    "饮料",
    "日化",
    "物业",
)
LATIN_COMPANY_SUFFIXES = (
    "corporation",
    "corp",
    "incorporated",
    "inc",
    "limited",
    "ltd",
    "llc",
    "plc",
    "gmbh",
    "co",
    "company",
    "group",
    "holdings",
    "sa",
    "ag",
    "bv",
    "pte",
    "pty",
    "lp",
    "llp",
)
# Leading places dropped to find a company's short name (深圳市星辰科技有限公司 → 星辰).
ZH_PLACES = (
    "北京",
    "上海",
    "天津",
    "重庆",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "厦门",
    "宁波",
    "青岛",
    "大连",
    "东莞",
    "佛山",
    "无锡",
    "长沙",
    "郑州",
    "济南",
    "合肥",
    "福州",
    "昆明",
    "沈阳",
    "哈尔滨",
    "香港",
    "澳门",
    "台湾",
    "中国",
    "广东",
    "浙江",
    "江苏",
    "山东",
    "福建",
)

# First names that are also ordinary words: matched alone only when capitalised.
WORDLIKE_NAMES = frozenset(
    """
art bill will mark rose grace hope joy frank jack sue pat rob sunny lily don max ray guy dean chase
rich chip gene earl penny faith ivy dawn april june august summer autumn page grant lane bud buck
hunter miles fox sandy rusty amber crystal holly heather jade ruby pearl angel honey cash king
prince duke major cliff glen dale gale storm river brook sky star
""".split()
)

# Latin words that end a company name not in the book (Blue Origin Logistics).
LATIN_COMPANY_WORDS = frozenset(
    """
logistics systems technologies technology tech solutions partners labs industries enterprises foods
motors pharma pharmaceuticals bank capital media group holdings consulting services networks
software electronics energy airlines airways analytics dynamics ventures studios retail brands
manufacturing robotics biotech health healthcare insurance financial properties realty
traders trading works supply supplies corporation company industrial textiles chemicals steel
roasters freight tooling printing apparel
""".split()
)

# The customer coming to our place (周五来看样品, 下周三过来, 来我们 office): the words a follow-up
# owner (signals._APPOINTMENT) and the task's action (tasks: 接待X来访) both read.
COMING_TO_US_ZH = r"来(?:我们|我司|公司|看|访|参观|.{0,3}office)|过来"

# Common surnames: 李总, 王经理, 唐工 are a person when one of these leads the title.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)

# Nicknames the trade uses for well-known companies (鹅厂 is 腾讯): a book customer whose name or
# short form is the key is also found by these.
NICKNAMES = {
    "腾讯": ("鹅厂", "企鹅"),
    "百度": ("度厂",),
    "华为": ("菊厂",),
    "网易": ("猪厂",),
    "京东": ("狗东",),
    "阿里巴巴": ("猫厂",),
    "阿里": ("猫厂",),
    "字节跳动": ("宇宙厂",),
}

# The English names well-known Chinese companies trade under, as reps in Singapore or Hong Kong
# write them (Gree 张总, CMB Mr Qian): a book customer whose name or short form is the key is
# also found by these.
ENGLISH_NAMES = {
    "腾讯": ("tencent",),
    "中兴": ("zte",),
    "中兴通讯": ("zte",),
    "格力": ("gree",),
    "格力电器": ("gree",),
    "美的": ("midea",),
    "美的集团": ("midea",),
    "青岛啤酒": ("tsingtao",),
    "招商银行": ("cmb", "china merchants bank"),
    "京东物流": ("jd logistics",),
    "宁德时代": ("catl",),
    "蒙牛": ("mengniu",),
    "蒙牛乳业": ("mengniu",),
    "伊利": ("yili",),
    "伊利股份": ("yili",),
    "顺丰": ("sf express",),
    "顺丰速运": ("sf express",),
    "东方航空": ("china eastern",),
    "华为云": ("huawei cloud",),
    "字节跳动": ("bytedance",),
    "小米": ("xiaomi",),
    "小米科技": ("xiaomi",),
    "海尔": ("haier",),
    "海尔集团": ("haier",),
    "万科": ("vanke",),
    "联想": ("lenovo",),
    "大疆": ("dji",),
    "中国平安": ("ping an",),
    "携程": ("trip.com", "ctrip"),
    "网易": ("netease",),
}

# Titles and acronyms of the trade (CTO, PO, POC …): no company's name.
TRADE_ACRONYMS = frozenset(
    "CEO CFO COO CTO CIO CMO VP PO POC QBR IT HR PM RFP RFQ SAAS CRM ERP API BD KA OK PPT PDF".split()
)
