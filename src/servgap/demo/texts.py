"""Complaint text templates of the demo (written for servgap, zh-CN and en).

Each template is ``(text, hotline)``: ``hotline`` marks complaints about the
call centre, which are filed against the hotline site. Slots: ``{order}``,
``{date}``, ``{time}``, ``{place}``, ``{courier}``, ``{item}``, ``{amount}``,
``{days}``, ``{outlet}``, ``{city}``.
"""

from __future__ import annotations

Template = tuple[str, bool]

ZH: dict[str, tuple[Template, ...]] = {
    "delay": (
        (
            "单号{order}，{date}寄出的，页面上写{days}天内送达，现在还显示“运输中”，到底什么时候能到？",
            False,
        ),
        ("我买的{item}说好昨天到，今天还没见到影子。打{outlet}的电话也没人接，请尽快处理。", False),
        ("你们的时效承诺就是摆设吗？{order}在{city}转运中心停了{days}天，一动不动。", False),
        ("{date}下的单，客户那边一直在催，我这边物流一直不更新，已经耽误我们公司发货了。", False),
        ("快递显示已经到{outlet}了，可是两天了还没派送，问了只说在排队。", False),
        ("说好今天{time}前送到{place}，我专门请了假在家等，结果等了一整天也没来。", False),
        ("生鲜件！{item}寄了{days}天还没到，再等下去就要坏了。", False),
        ("同城件走了{days}天，比跨省还慢，这个效率实在说不过去。", False),
        ("订单{order}原本预计{date}送达，现在改成延后两天，也没有任何通知和解释。", False),
        ("加急的合同文件，多付了{amount}元加急费，结果还是晚了一天，这钱花得冤。", False),
        ("寄给老人的{item}在路上{days}天了，老人天天打电话问我，麻烦给个准确的送达时间。", False),
    ),
    "damage_loss": (
        ("今天收到包裹，外箱被压扁了，里面的{item}碎了，单号{order}，要求赔偿。", False),
        ("寄出的{item}到对方手里已经坏了，包装是你们{outlet}打的，凭什么说和你们无关？", False),
        ("包裹丢了！{order}物流显示{date}已签收，可我根本没收到，也没人给我打过电话。", False),
        ("箱子明显被拆开过，里面少了一件{item}，价值{amount}元。", False),
        ("保价{amount}元的件，收到时{item}的屏幕裂了，理赔流程太复杂，希望尽快解决。", False),
        ("外包装湿透了，里面的{item}全泡了水，根本没法用。", False),
        ("快递员把包裹直接放在{place}门口，下雨全淋坏了，事先也没通知我。", False),
        ("显示已签收，但家里人都说没见过这个件，小区监控里也没看到快递员来过。", False),
        ("{item}是易碎品，寄件时特意贴了标签，收到时还是摔坏了，单号{order}。", False),
    ),
    "attitude": (
        ("快递员{courier}态度很差，我只是问能不能送上楼，他就很不耐烦地挂了电话。", False),
        ("在{outlet}寄件，柜台的工作人员一直在看手机，问问题爱答不理。", False),
        ("{courier}打电话来第一句就是吼“你到底在不在家”，这服务态度也太差了。", False),
        ("让快递员稍等两分钟我马上下楼，他直接说不等了，把件扔在{place}就走了。", False),
        ("跟快递员说东西易碎请轻拿轻放，他回我一句“你自己不会包好吗”，语气很冲。", False),
        ("客服电话里的工作人员说话很冲，我还没说完就被打断了好几次。", True),
        ("快递员{courier}上门取件时嫌东西多，一直抱怨，还催我快点，让人很不舒服。", False),
        ("{outlet}的工作人员当着其他客户的面训我，说我填错了单子，太没礼貌了。", False),
    ),
    "information": (
        ("物流信息{days}天没有更新，客服也查不到包裹在哪，只让我继续等。", True),
        ("短信说包裹已经放进快递柜，可是取件码一直显示无效。", False),
        ("App 上显示的派送员电话是空号，根本联系不上人。", False),
        ("订单{order}显示“已签收”，但签收人不是我，也没有任何说明。", False),
        ("问了三次客服，三个人给了三种不同的说法，到底哪个是对的？", True),
        ("预计送达时间一会儿变成明天，一会儿变成后天，能不能给个准话？", False),
        ("包裹被退回了，可是没有任何人通知我原因，{order}请帮忙查一下。", False),
    ),
    "price": (
        ("下单时小程序报价{amount}元，快递员上门称重后却收了更多，差价没有任何解释。", False),
        ("同样的重量，上次{amount}元，这次贵了快一倍，收费标准在哪里能查到？", False),
        ("保价费事先没有说明，付款时才发现被多扣了钱。", False),
        ("说好的新客优惠券下单时用不了，客服说是系统问题让我自己再试试。", True),
        ("到付件被多收了{amount}元，要求退还差价。", False),
    ),
    "other": (
        ("能不能增加晚上的派送时间？白天上班实在收不到件。", False),
        ("{outlet}门口经常堆满包裹，人都走不过去。", False),
        ("我已经退订了营销短信，为什么每天还在收到推销？", True),
        ("电子发票申请了一个星期还没开出来。", False),
        ("快递柜超时收费不合理，才过了几个小时就要收钱。", False),
        ("希望{outlet}能多开一个窗口，周末排队的人太多了。", False),
    ),
}

EN: dict[str, tuple[Template, ...]] = {
    "delay": (
        (
            "My parcel {order} was due on {date_en} but it is still stuck at the sorting centre. When will it arrive?",
            False,
        ),
        (
            "I paid {amount} yuan extra for express delivery and the documents still came a day late.",
            False,
        ),
        ("The tracking page has said 'out for delivery' for {days} days now.", False),
    ),
    "damage_loss": (
        (
            "The box arrived crushed and the {item_en} inside is broken. Tracking number {order}. I want compensation.",
            False,
        ),
        ("Tracking says my parcel was signed for, but nobody here received it.", False),
    ),
    "attitude": (
        (
            "The courier was rude on the phone and left my parcel at the gate without asking me.",
            False,
        ),
        ("The agent on the hotline kept interrupting me and would not listen.", True),
    ),
    "information": (
        (
            "Tracking for {order} has not been updated for {days} days and the hotline cannot tell me anything.",
            True,
        ),
        ("The locker code in the text message does not work.", False),
    ),
    "price": (
        ("I was charged more than the price quoted in the app, with no explanation.", False),
    ),
    "other": (("Please offer evening delivery, I am never at home during the day.", False),),
}

ZH_ANGRY: tuple[str, ...] = (
    "太气人了！",
    "真的非常失望。",
    "再这样我就换别家了！",
    "你们就是这样对待老客户的？",
    "今天必须给我一个说法，不然就去消协投诉！",
    "简直离谱，垃圾服务！",
    "气得我一晚上没睡好。",
)
ZH_CALM: tuple[str, ...] = (
    "麻烦尽快处理，谢谢。",
    "希望能给个答复。",
    "请帮忙核实一下。",
    "",
    "辛苦了，盼回复。",
)
ZH_REPEAT: tuple[str, ...] = ("上次投诉的问题还没解决，", "又是这样！", "这已经是第二次了，")
EN_ANGRY: tuple[str, ...] = (
    "This is unacceptable!",
    "Very disappointed.",
    "If this happens again I am switching to another company!",
)
EN_CALM: tuple[str, ...] = ("Please look into it, thanks.", "I look forward to your reply.", "")
EN_REPEAT: tuple[str, ...] = ("Again! ", "This is the second time. ")

ITEMS_ZH: tuple[str, ...] = (
    "手机",
    "茶叶",
    "一箱水果",
    "婴儿奶粉",
    "蓝牙耳机",
    "陶瓷花瓶",
    "笔记本电脑",
    "羽绒服",
    "中药材",
    "月饼礼盒",
    "样品",
    "大闸蟹",
    "显示器",
    "红酒",
)
ITEMS_EN: tuple[str, ...] = ("phone", "laptop", "vase", "headphones", "wine", "monitor")
PLACES_ZH: tuple[str, ...] = (
    "阳光花园小区",
    "锦绣华庭",
    "科技园A座",
    "万达广场写字楼",
    "翠湖苑",
    "金桥大厦",
    "学府路家属院",
    "滨江一号",
    "幸福里小区",
    "创业园三号楼",
)
TIMES_ZH: tuple[str, ...] = ("上午十点", "中午十二点", "下午三点", "下午六点", "晚上八点")

# The three cases of the seed document on customer tolerance, as complaints.
SEED_CASES: tuple[dict[str, object], ...] = (
    {
        "site": "bj_chaoyang",
        "received_local": "2026-01-03 09:40",
        "channel": "phone",
        "category": "delay",
        "severity": 2,
        "text": (
            "我寄往北京朝阳区的包裹原定1月1日送达，到现在还没送到。查物流说是暴风雪来袭，"
            "干线停运，可是事先没有任何人通知我。包裹延误让我很不满，请尽快给我一个处理结果。"
        ),
        "ack_h": 0.4,
        "resolve_h": 20.0,
        "actions": "apology;explanation;coupon",
        "cny": 20.0,
        "sat_after": 6,
    },
    {
        "site": "sh_xuhui",
        "received_local": "2026-01-05 18:15",
        "channel": "app",
        "category": "attitude",
        "severity": 2,
        "text": (
            "今天收件时和快递员沟通不畅，我只是想当面确认一下包裹里的东西，他态度很生硬，"
            "说话很不客气。作为老客户，这样的服务让我很不满意。"
        ),
        "ack_h": 0.8,
        "resolve_h": 6.0,
        "actions": "apology;compensation",
        "cny": 30.0,
        "sat_after": 6,
    },
    {
        "site": "gz_tianhe",
        "received_local": "2026-01-06 11:05",
        "channel": "phone",
        "category": "damage_loss",
        "severity": 3,
        "text": (
            "今天收到包裹，打开发现里面的商品已经损坏了，外箱也有明显的挤压痕迹。"
            "希望你们尽快处理，给个说法。"
        ),
        "ack_h": 0.3,
        "resolve_h": 30.0,
        "actions": "apology;explanation;coupon;compensation",
        "cny": 320.0,
        "sat_after": 7,
    },
)
