"""Deterministic generator of the labelled express-delivery complaint corpus.

The shipped training corpus ``servgap/data/text/complaints_labelled.csv`` is
written by ``scripts/train_text_models.py`` from :func:`generate_complaints`. It is
synthetic but built from many hand-written phrasings (about 25 Chinese and 8-10
English core phrasings per category, each with inline alternatives and slot
fillers: order numbers, phone numbers, cities, stations, amounts, days, items,
couriers), composed with shared openings, context clauses, demands and emotional
endings, and then perturbed with colloquial typos / 网络用语 (快滴, 木有, 肿么,
神马, 无语子, 破防了 ...). Categories:

``delay``        late, stuck, not delivered by the promised time
``damage_loss``  broken, crushed, wet, missing items, lost parcels
``attitude``     rude / impatient couriers, station staff or customer service
``information``  tracking not updated, fake "signed" status, wrong notices, no pickup code
``price``        freight, insurance (保价费), cash on delivery (到付), surcharges, locker fees
``other``        packaging waste, relocated outlets, invoices, app problems, privacy ...

Hard cases are deliberate: delay complaints that mention the courier, price
complaints about insurance after a damage, information complaints that mention
delays ("显示已签收" with no parcel), attitude complaints that mention lateness.

**Split.** The ``split`` column is *template-disjoint*: every core phrasing whose
index ``i`` satisfies ``i % 5 == 2`` produces only ``test`` rows, all others only
``train`` rows. The held-out figures therefore measure generalisation to
phrasings the model never saw (not just new slot values), which is the honest
estimate for a template-generated corpus. It is stratified by category and
language because each category/language has its own template list.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pandas as pd

from servgap.core.text._common import CATEGORIES  # the classifier's labels

_SLOTS: dict[str, list[str]] = {
    "city": [
        "北京",
        "上海",
        "广州",
        "深圳",
        "杭州",
        "成都",
        "武汉",
        "西安",
        "南京",
        "重庆",
        "长沙",
        "郑州",
        "沈阳",
        "昆明",
        "厦门",
        "义乌",
        "苏州",
        "天津",
        "青岛",
        "合肥",
        "南宁",
        "哈尔滨",
        "乌鲁木齐",
        "拉萨",
    ],
    "company": [
        "顺丰",
        "圆通",
        "中通",
        "申通",
        "韵达",
        "极兔",
        "京东物流",
        "邮政",
        "EMS",
        "德邦",
        "你们公司",
        "你们家",
    ],
    "station": [
        "菜鸟驿站",
        "妈妈驿站",
        "兔喜驿站",
        "丰巢柜",
        "快递柜",
        "代收点",
        "小区门口的驿站",
        "楼下超市代收点",
        "学校快递点",
        "物业",
    ],
    "item": [
        "手机",
        "衣服",
        "鞋子",
        "化妆品",
        "一箱水果",
        "生日蛋糕",
        "笔记本电脑",
        "书",
        "茶叶",
        "药品",
        "合同文件",
        "猫粮",
        "显示器",
        "玻璃杯",
        "红酒",
        "海鲜",
        "护照",
        "毕业证",
        "样品",
        "年货",
        "花",
        "奶粉",
        "耳机",
        "键盘",
    ],
    "platform": ["淘宝", "京东", "拼多多", "抖音", "闲鱼", "唯品会", "小红书", "官网"],
    "days": ["两", "三", "四", "五", "六", "七", "八", "十", "十几", "半个月"],
    "hours": ["两个", "三个", "四个", "五个", "半天", "一整天"],
    "amount": [
        "8",
        "10",
        "12",
        "15",
        "18",
        "20",
        "23",
        "25",
        "30",
        "35",
        "45",
        "50",
        "60",
        "80",
        "100",
        "120",
        "200",
    ],
    "time": [
        "上午",
        "下午",
        "晚上",
        "中午",
        "今天早上",
        "昨天晚上",
        "周末",
        "前天",
        "上周五",
        "双十一",
        "春节前",
        "618期间",
    ],
    "who": [
        "快递员",
        "快递小哥",
        "配送员",
        "派件员",
        "驿站老板",
        "驿站工作人员",
        "客服",
        "网点的人",
        "司机",
    ],
    "place": [
        "家门口",
        "楼下",
        "小区门卫",
        "公司前台",
        "地下车库",
        "单元门口",
        "垃圾桶旁边",
        "楼道里",
    ],
}

_EN_SLOTS: dict[str, list[str]] = {
    "item": [
        "phone",
        "laptop",
        "shoes",
        "books",
        "dress",
        "cake",
        "medicine",
        "documents",
        "headphones",
        "monitor",
        "wine",
        "glasses",
        "gift",
        "parcel",
        "package",
    ],
    "days": ["two", "three", "four", "five", "six", "seven", "ten"],
    "city": ["Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu"],
    "company": ["SF", "Express", "YTO", "ZTO", "JD", "Logistics", "EMS", "your", "company"],
    "amount": ["8", "10", "15", "20", "25", "30", "50", "80", "100"],
    "who": [
        "courier",
        "driver",
        "delivery",
        "guy",
        "station",
        "staff",
        "agent",
        "customer",
        "service",
    ],
}

# ----------------------------------------------------------------------------------
# Core phrasings per category (Chinese). "[a|b|]" = choose one (empty = optional);
# "{slot}" = slot filler.
# ----------------------------------------------------------------------------------
_ZH: dict[str, list[str]] = {
    "delay": [
        "[太慢了|慢死了|好慢啊][吧|！|]",
        "[还没到|咋还没到][？？|？|]",
        "说好[两天|次日|隔日]达，[结果|现在]{days}天了还没到",
        "包裹在{city}转运中心[卡了|停了|躺了]{days}天[一动不动|没动静|]",
        "[都|已经]{days}天了[还没送到|还没派送|还在路上]，[太慢了|慢死了|效率太低]",
        "[急用的|等着用的]{item}到现在都没[送来|到]，[耽误|误了]我的事",
        "[下单|发货]{days}天了[还没揽收|都没人来揽件|一直没发出]",
        "快递员说[车坏了|人手不够|件太多]，[要|得]晚{days}天才能送",
        "天气原因[延误|晚到]我理解，但[这都|已经]{days}天了[也太久了|吧]",
        "[显示|说是]{time}[派送|送达]，等了{hours}小时[也没来|都没见人]",
        "[生鲜|海鲜|水果]在路上走了{days}天，[到的时候|送到时][早就|都]不新鲜了",
        "[时效|速度]太差了，[同城|省内]件[居然|竟然]走了{days}天",
        "[今天|昨天]说派送，[又|结果]推到[明天|后天]，一拖再拖",
        "[付了加急费|买了次日达][结果|但是]还是[晚了|迟到了]{days}天",
        "[派件|派送]太慢，[别家|其他快递]两天就到，[你们|这家]要{days}天",
        "[过节|双十一|春节前]寄的[东西|件]现在还没到，[节都过完了|黄花菜都凉了]",
        "[一直|总是]显示[运输中|在途]，{days}天了[还没到|没送达]，[到底什么时候能到|啥时候能到啊]",
        "约好{time}上门取件，[快递员|小哥][一直没来|放鸽子]，[件没寄出去|白等了]",
        "[催了|催件]{days}次了，[还是|依然][没送|没到]",
        "[说|承诺]当日达的[外卖|文件|件]第二天才[送到|到]",
        "[退货|退回]的[件|包裹]走了{days}天还没到商家，[退款一直卡着|钱退不回来]",
        "[快递|件][滞留|积压]在网点{days}天了[没人派|都不派送]",
        "[合同文件|护照|毕业证][晚到|迟到]了{days}天，[害我|导致我][错过了|误了][截止时间|面试|航班]",
        "[航班取消|封路|暴雨]可以理解，[但|可是][一直不派送|就是不送][也不是办法|吧]",
        "[从|由]{city}[发到|寄到]{city}，[正常|一般]两天，[这次|这回]走了{days}天",
        "[中转|转运]了好几次，[越走越远|绕了一大圈]，到现在还没到",
        "[早上|中午]就说在派送了，[晚上|到晚上十点][都没送来|还没到]",
        "[等了|足足等了]{days}天，[急死人了|耐心都没了]",
        "[派送|配送]延迟，[已经|都]超过承诺时效{days}天",
    ],
    "damage_loss": [
        "[东西|件][碎了|坏了|破了][！|]",
        "[件丢了|丢件了|包裹丢了][？|！|]",
        "[收到的|打开]{item}[碎了|摔坏了|压坏了|坏了]",
        "[外包装|箱子][破了个洞|被压扁了|严重变形]，里面的{item}[也坏了|受损了]",
        "包裹[破损|损坏][严重|得厉害]，[东西|{item}]都[露出来了|掉出来了]",
        "[外包装完好|包装看着没事]，[但|可是]里面的{item}[碎了|裂了|断了]",
        "[寄的|买的]{item}[丢了|不见了|丢件了]，[查不到下落|找不到了]",
        "[少了一件|少件了|缺件]，[订单|买了]三件只收到两件",
        "[箱子|包裹][湿透了|泡水了|受潮了]，{item}[全湿了|不能用了]",
        "[暴力分拣|暴力装卸|乱扔乱摔]，[我的|寄的]{item}[被摔坏了|直接碎了]",
        "[液体|洗发水|红酒][漏了|洒了|漏液]，[整个箱子|其他东西][都湿了|都脏了]",
        "[易碎品|玻璃杯]标了[易碎|轻放]还是[碎了|摔碎了]",
        "[快递|包裹][丢失|丢了]{days}天了，[理赔|赔偿][一直没有结果|没人管]",
        "[收到的|拿到]{item}[屏幕|外壳][裂了|有划痕|摔裂了]",
        "[拆开|打开]发现[东西被调包了|里面是空的|只有一块砖头]",
        "[蛋糕|花][送到的时候|到手][已经|都][塌了|压烂了|蔫了]",
        "[件|包裹]在[驿站|快递柜|{station}][被人拿走了|丢了|找不到了]",
        "{item}[外盒|包装盒][压坏|挤坏]了，[送人|当礼物][都没法送了|送不出去了]",
        "[寄丢了|丢件了][一件|一个]{item}，[价值|值]{amount}0[块|元]",
        "[包裹|箱子]被[拆过|打开过]，里面的{item}[少了|不见了]",
        "[冷链|生鲜][坏了|化了|臭了]，[送到的|到手的]{item}[没法吃了|全坏了]",
        "[快递员|小哥]送来时[箱子|包裹]就是[破的|烂的]，[东西|{item}][也有损坏|磕坏了]",
        "[签收|拿到][后|时]发现{item}[变形了|凹进去了|有裂缝]",
        "[一整箱|整箱]{item}[烂了一半|碎了好几个]",
        "[我的|寄出的]{item}[在运输途中|运输过程中][损坏|丢失]了",
        "[收到的|到手的]{item}[零件|配件][缺了|少了|丢了]",
        "[显示已签收|签收了]但[包裹|件]是破的，{item}[坏了|不能用]",
        "{item}[寄丢了|丢了]，[物流|记录]最后停在{city}",
        "[纸箱|快递袋][破了|烂了]，{item}[掉了|丢了][几个|一部分]",
    ],
    "attitude": [
        "[态度太差|态度恶劣|太凶了][！|]",
        "[骂人|爆粗口][？|！|]",
        "[快递员|快递小哥|{who}]态度[恶劣|极差|很差|太差了]",
        "{who}[骂人|爆粗口|骂我]，[还说|还嫌我][事多|烦]",
        "[问了一句|多问一句]{who}就[不耐烦|甩脸色|吼我]",
        "[客服|人工客服][态度敷衍|一直敷衍|爱答不理]，[踢皮球|推来推去|来回推诿]",
        "{who}[打电话|电话里][很凶|语气很冲|骂骂咧咧]",
        "[让|叫]{who}送上楼，[他|对方][直接挂电话|骂了一句就走了|说爱要不要]",
        "{who}[扔下|把件扔在]{place}就走，说了[两句|一句][就|还][发火|急了]",
        "[投诉|反映问题]后{who}[打电话来|上门][威胁我|骂我|让我撤诉]",
        "[客服|{who}][说话|讲话][阴阳怪气|很冲|很难听]",
        "[{who}|快递员][服务态度|态度][太差|差劲|恶劣]，[一点礼貌都没有|没素质]",
        "[找|联系]客服，[机器人|智能客服][答非所问|一直转圈]，转人工[又|也][不耐烦|敷衍]",
        "[驿站|{station}]的人[态度|脸色][很差|难看]，[像我欠他钱|爱答不理]",
        "[取件时|拿快递时]{who}[嫌我慢|催我|嘲讽我]，[还翻白眼|说话很难听]",
        "[我|顾客][好好说话|礼貌地问]，{who}[却|反而][大吼大叫|凶我]",
        "{who}[没素质|不礼貌|很粗鲁]，[把件摔给我|把东西往地上一扔]",
        "[客服|{who}][说|回复]“[爱找谁找谁|这不归我管|你自己去问]”",
        "{who}[不让|拒绝]我[验货|开箱检查]，[还骂人|态度很横|还凶我]",
        "[打了|打]{days}次电话，{who}[接了就挂|骂了一句挂了|很不耐烦]",
        "[服务|态度][冷漠|冷冰冰]，[没有|毫无][一点|任何]服务意识",
        "{who}[嫌|说][我家|楼层][太高|太远]，[不愿意|不肯][送|上楼][还发脾气|还甩脸色]",
        "[投诉|反馈]了[好几次|{days}次]，客服[都是|只会][复制粘贴|说抱歉]，[没人真正处理|态度敷衍]",
        "[快递员|{who}][对老人|对我妈][大声呵斥|很凶|不耐烦]",
        "[问|询问]{who}[件在哪|什么时候送]，[他|对方][骂我|让我别烦他]",
        "{who}[一进门|上门][就|]抽烟，[说他|提醒]还[骂人|不高兴]",
        "[网点|站点]的人[推卸责任|互相推诿]，[说话|态度][很横|傲慢]",
        "{who}[说|态度很差地说][不想送就不送|爱签不签]",
        "[语气|口气][恶劣|很差]，[我|顾客][被|让人][怼得|气得]说不出话",
    ],
    "information": [
        "[没签收|没拿到]就显示签收",
        "[物流不更新|查不到物流][？|！|]",
        "物流信息{days}天[没更新|不更新|都没更新]了，[不知道|也不知道][件在哪|到哪了]",
        "[显示|系统显示][已签收|签收了]，[但|可是]我[根本|压根][没收到|没拿到]",
        "[假签收|虚假签收]，[人|我][都不在家|在外地]就[显示|被]签收了",
        "[没收到|没有收到][取件码|取件通知|短信]，[不知道|都不知道]件[放哪了|放在哪个驿站]",
        "[运单号|快递单号|单号][查不到|查无此单|显示不存在]",
        "[物流轨迹|物流信息][跟实际不符|乱跳|一会儿北京一会儿上海]",
        "[没通知|没打电话][就|直接][放驿站|放快递柜|放{station}]了",
        "[客服|客服说的]和[系统|APP]显示的[不一样|对不上]，[到底哪个是真的|不知道信谁]",
        "[短信|通知][说|显示]{time}送达，[实际|结果][没有任何消息|根本没来]",
        "[显示|物流显示][派送中|正在派送][好几天|{days}天]了，[也没人联系我|却没有派件员电话]",
        "[取件码|验证码][错了|不对|用不了]，[柜子|快递柜][打不开|开不了]",
        "[地址|收件人信息][写错了|显示错误]，[客服|系统][也没告诉我|不提示]",
        "[问|查询][件到哪了|物流情况]，客服[说不知道|一问三不知|只会说在途]",
        "[件|快递]被[退回|退件]了[都没通知我|没人告诉我]",
        "[显示|提示]“[投递失败|无人签收]”，[可我|我][一整天都在家|就在家]",
        "[预计送达时间|到货时间][一直在变|改了{days}次]，[没有个准信|没法安排]",
        "[物流|轨迹]停在“[已揽收|已发货]”[不动了|好几天]，[问了|催了]也没人[解释|回复]",
        "[派件员|快递员][电话|联系方式][打不通|是空号]，[信息|资料][都是错的|不准确]",
        "[改地址|修改地址][提交了|申请了]，[系统|物流][没反映|没显示][改没改成功|结果]",
        "[APP|小程序][里|上][查不到|看不到][我的件|物流]",
        "[取件通知|短信][发到|发给]了[别人|错误号码]，[我|本人][一直不知道|没收到]",
        "[查|查询]物流[只显示|就显示]“[运输中|已发出]”，[没有|看不到][具体位置|任何细节]",
        "[说|通知]我[件|快递]到了，[去|到]{station}[找不到|却说没有]",
        "[显示|标记]为“[拒收|地址不详]”，[我|本人][根本没拒收|地址写得很清楚]",
        "[国际件|海关]的[清关|状态][信息|进度][一直不更新|查不到]",
        "[签收人|代签人]写的是[别人|陌生人|“门卫”]，[我|本人][根本不知道|没授权]",
        "物流信息[更新|同步][太慢|滞后]，[件都到了|人都到了][还显示在{city}|还没更新]",
    ],
    "price": [
        "[运费太贵|收费太高][了|！|]",
        "[乱收费|多收钱][！|]",
        "[运费|快递费][太贵|比网上报价贵]，[说好|报价]{amount}[元|块]，[收了|实收]{amount}",
        "保价费[收了|要]{amount}[元|块]，[太离谱|不合理|凭什么这么贵]",
        "[到付|到付件][多收了|多收我]{amount}[块|元]，[跟|和]运单上[写的|的价格]不一样",
        "[续重|重量][算错了|称错了]，[多收了|多扣了]{amount}元",
        "[偏远费|附加费|超区费][没提前说|从来没说过]，[突然|莫名]加了{amount}元",
        "[快递柜|丰巢|智能柜][超时费|收费][太坑|不合理]，[才放|刚放]半天就[扣钱|收费]",
        "[上门取件|送货上门][要加钱|另收]{amount}元，[没听说过|以前不收]",
        "[包装费|纸箱费][收了|要]{amount}元，[我自己有箱子|没有用他们的箱子]",
        "[同样的件|一样的重量][这次|上次][收|要]{amount}，[这次|这回][要|收]{amount}，[价格乱来|收费不透明]",
        "[没买|没选]保价[也|却][扣了|收了]保价费",
        "[退款|多收的钱][说好退|承诺退]{amount}元，[到现在|一直][没退|没到账]",
        "[价格|收费标准][不透明|不清楚]，[每次|每回][都|]不一样",
        "[寄件|下单]时显示{amount}元，[付款时|结账时][变成了|又涨到]{amount}元",
        "[说|告诉我]是到付，[收件人|我朋友][却|还][被收了|付了][双倍|两遍]运费",
        "[保价|保价费]交了{amount}元，[赔偿|理赔][只给|只赔]了{amount}块，[保价费白交了|保价有什么用]",
        "[代收点|驿站][取件|拿快递][要收|收]{amount}[块|元|毛]钱[保管费|手续费]",
        "[运费险|运费][理赔|报销][金额|只有]{amount}元，[寄回去|退货运费][却要|要]{amount}",
        "[会员|优惠券][用不了|没抵扣]，[多付了|白付了]{amount}元",
        "[乱收费|乱加价]，[明码标价|价格表][上|里][根本没有|没写]这项",
        "[首重|起步价][太高|涨价了]，[一公斤|小件]就要{amount}元",
        "[春节|节假日][加价|附加费][收了|多收]{amount}元，[没有|也没][提前通知|告知]",
        "[体积重|抛重][算法|计算][不合理|坑人]，{item}[按|被按]{amount}公斤收费",
        "[扣了两次|重复扣款][运费|钱]，[申请退款|要求退还][没人处理|一直不退]",
        "[改地址|改派][收|要]{amount}元[手续费|费用]，[太贵了|不合理]",
        "[报价|询价][的时候|时][说|是]{amount}，[上门|取件][后|时][加到|变成]{amount}",
        "[保价费|保价][比例|费率][太高|不合理]，{item}[保个价|保价]要{amount}元",
        "[月结|企业]账单[多算了|对不上]{amount}元[运费|费用]",
    ],
    "other": [
        "[包装太浪费|过度包装][了|！|]",
        "[发票呢|要开发票][？|]",
        "[包装|快递包装][太浪费|过度了]，[一个小|小小的]{item}[用了|套了][三层|好几层][箱子|泡沫]",
        "[网点|驿站|代收点][搬迁|搬走了]了[也不通知|没有告知]，[跑了好几趟|找了半天]",
        "[发票|电子发票][开不了|一直开不出来|申请了没收到]",
        "[APP|小程序][闪退|打不开|登录不了]，[下不了单|没法寄件]",
        "[面单|快递单]上[印着|写着]我的[全名|手机号|住址]，[隐私|个人信息][泄露|不安全]",
        "[快递柜|驿站|{station}][位置|地方][太偏|不方便]，[建议|希望][多设几个点|增设网点]",
        "[寄件|下单][流程|页面][太复杂|太麻烦]，[老人|我妈][根本不会用|不会操作]",
        "[营业时间|上班时间][太短|改了]，[下班后|晚上][取不了件|寄不了]",
        "[希望|建议][增加|开通][夜间派送|周末上门|送货上门]服务",
        "[经常|总是]收到[骚扰电话|推销短信]，[怀疑|估计]是[快递单|面单]信息泄露",
        "[塑料|泡沫][包装|填充物][太多|一大堆]，[不环保|太不环保]",
        "[想|要][寄|邮寄]{item}，[网点|客服][说|告诉我][不能寄|不收]，[也不说原因|规定不清楚]",
        "[纸箱|包装盒][回收|回收点][没有|找不到]，[建议|希望]搞个回收[活动|服务]",
        "[会员积分|积分][清零|不见了]，[没提醒|也没通知]",
        "[网点|营业厅][排队|人太多]，[只开|就开]一个窗口",
        "[驿站|快递点][太乱|太挤|堆得乱七八糟]，[找件|找一个件][找了半天|要翻好久]",
        "[快递车|三轮车][乱停|堵在]{place}，[挡路|影响通行]",
        "[实名寄件|实名认证][总是|一直][失败|通不过]",
        "[建议|希望][快递柜|驿站][24小时|全天][开放|营业]",
        "[电话|客服热线][一直占线|排队]，[能不能|希望][多安排点人|增加人工]",
        "[营业执照|寄件协议|合同][要|想要]开[证明|单据]，[网点|客服][不会开|说开不了]",
        "[驿站|{station}][噪音|卸货声][太大|很吵]，[影响|吵到][休息|居民]",
        "[寄件|下单][后|以后]想[取消|撤销]订单，[找不到|没有][入口|按钮]",
        "[快递员|小哥][冬天|大热天]在[外面|路边]分拣，[建议|希望]公司[改善|给][工作条件|个地方]",
        "[小区|学校][不让|禁止]快递车进入，[希望|能不能][协调一下|想想办法]",
        "[电子面单|快递单][字太小|看不清]，[老人|我][看不清|认不出]",
        "[希望|建议][开通|支持][微信|支付宝]支付，[只收现金|不能扫码][太不方便|不方便]",
    ],
}

_EN: dict[str, list[str]] = {
    "delay": [
        "[it was supposed to arrive|expected delivery was] on monday, [now|today] it's friday",
        "the {who} [keeps saying|said] tomorrow, [every day|for a week now]",
        "[why does|how can] a same-city parcel take {days} days",
        "my {item} [missed|did not make] the delivery window[| again]",
        "[still|it is still] [in transit|on the way] after {days} days",
        "the courier [never came|did not show up] for the scheduled pickup",
        "my {item} [is|was] {days} days late[| and still not here]",
        "[the package|my parcel] has been stuck in {city} for {days} days",
        "[you promised|it said] next day delivery but it took {days} days",
        "still waiting for my {item}[, it's been| after] {days} days",
        "the courier said the van broke down so [it will|delivery will] be {days} days late",
        "delivery [keeps getting|was] postponed again and again",
        "[ordered|shipped] a week ago and [it has not|it hasn't] even been picked up",
        "[weather delay|the storm] I understand but {days} days is too long",
        "the parcel is [way|so] overdue, [where is it|what is going on]",
    ],
    "damage_loss": [
        "[half of|some of] the {item} [was|were] smashed when i opened the box",
        "[water damage|it got soaked], the {item} [does not work|is ruined] now",
        "the screen of my {item} is cracked[| after delivery]",
        "[my order|the shipment] never made it, [lost somewhere|disappeared] in {city}",
        "[the seal was broken|someone opened the box] and the {item} is gone",
        "got an empty box[| instead of my {item}]",
        "my {item} arrived [broken|smashed|crushed|cracked]",
        "the box was [crushed|torn open|soaking wet] and the {item} [is damaged|was ruined]",
        "[you lost|someone lost] my parcel[| and nobody can find it]",
        "[one item is missing|the order is incomplete], i only got two of three",
        "the outer box looked fine but the {item} inside was [shattered|broken]",
        "[the liquid leaked|the bottle leaked] all over [the box|my other things]",
        "my package was [stolen|taken] from the locker",
        "[fragile|glass] item marked handle with care, [arrived|came] in pieces",
        "[the parcel|my {item}] [went missing|disappeared] in transit",
    ],
    "attitude": [
        "the {who} [was shouting|raised his voice] at my elderly mother",
        "[your agent|the {who}] [was sarcastic|laughed at me] when i asked for help",
        "[the {who}|he] [refused|would not] [to bring it upstairs|to wait] and [cursed|swore]",
        "[such a bad attitude|terrible attitude] from the {who}",
        "the {who} [threatened|scolded] me [after i complained|for asking]",
        "[no respect|zero respect] from your {who}",
        "the {who} was [very|extremely|so] rude [to me|on the phone]",
        "the {who} [yelled at|shouted at|swore at] me",
        "customer service [kept|just kept] [passing me around|giving canned answers]",
        "the {who} threw the parcel [on the floor|at my door] and [walked off|left]",
        "[when i asked|i asked a simple question and] the {who} got [angry|impatient]",
        "the {who} hung up on me [twice|again]",
        "[unprofessional|disrespectful] {who}, [no manners at all|treated me like dirt]",
        "the agent was [dismissive|condescending] and [refused to help|did not care]",
        "the {who} [mocked|insulted] me when i [asked|complained]",
    ],
    "information": [
        "[the app|your website] [shows|says] the wrong [address|location] for my parcel",
        "[no one|nobody] can tell me where my {item} is",
        "[got|received] a notification for a parcel that is not mine",
        "the tracking [jumps|keeps jumping] between {city} and {city}",
        "[marked as|status says] refused but i never refused it",
        "the estimated delivery date [changed|keeps changing] [three times|every day]",
        "tracking [hasn't been updated|has not updated] for {days} days",
        "it says [delivered|signed for] but i [never got it|did not receive anything]",
        "[i never got|no] pickup code[| was sent to me]",
        "the tracking number [does not work|shows nothing|is invalid]",
        "[they left it at|it was dropped at] the locker without [telling me|any notice]",
        "customer service [says|told me] one thing and the app [says|shows] another",
        "[the status|tracking] [says|shows] out for delivery for {days} days with no call",
        "[the parcel was returned|they sent it back] and [no one told me|i was not notified]",
        "[delivery failed|attempted delivery] notice but i was home all day",
    ],
    "price": [
        "[why|how come] [did|does] shipping cost {amount} yuan [this time|now]",
        "[they added|there was] a {amount} yuan [fee|charge] [nobody mentioned|i never agreed to]",
        "[the coupon|my discount] [did not apply|was not applied] and i paid full price",
        "[paid|i paid] for insurance but [the payout|compensation] was only {amount} yuan",
        "[the quote|the price] [changed|went up] after [pickup|the courier weighed it]",
        "[charged|billed] for {amount} kg when the parcel weighs one",
        "[i was charged|they charged me] {amount} yuan [more than the quote|extra]",
        "the insurance fee [is|was] {amount} yuan, [that's ridiculous|way too high]",
        "cash on delivery [charged twice|charged more than the label]",
        "the weight was [wrong|overestimated] and i [was overcharged|paid {amount} more]",
        "[locker|storage] [fees|overtime fee] [are|is] a rip off",
        "[hidden|surprise] [surcharge|remote area fee] of {amount} yuan",
        "[refund|the overcharge] of {amount} yuan [never arrived|was not returned]",
        "[shipping|the fee] [is way too expensive|costs too much] for a small {item}",
        "[double charged|charged twice] for [shipping|one parcel]",
    ],
    "other": [
        "[the plastic|all this bubble wrap] is [not eco friendly|bad for the environment]",
        "[please|could you] [recycle|take back] the boxes",
        "your label [shows|exposes] my [home address|phone number] to anyone",
        "[the nearest|our] [station|service point] [closed|moved] and there is no new one",
        "[suggestion|idea]: [add|open] [evening|night] pickup hours",
        "[the phone line|the hotline] is always busy[| and nobody picks up]",
        "[too much|excessive] packaging[, so wasteful|, three boxes for a tiny {item}]",
        "the [outlet|station] moved and [nobody told us|there was no notice]",
        "[i need|i can't get] [an invoice|a receipt] for my shipment",
        "the app [keeps crashing|won't let me log in]",
        "[my phone number|my full name and address] [is printed|was visible] on the label, [privacy issue|not safe]",
        "[please add|we need] more lockers [in our area|near the metro]",
        "[the booking page|the website] is [too complicated|confusing] for elderly users",
        "opening hours [are too short|changed without notice]",
        "[please offer|can you add] weekend [pickup|delivery] service",
    ],
}

_PREFIX_ZH = [
    "",
    "",
    "",
    "",
    "你好，",
    "您好，",
    "客服你好，",
    "我要投诉！",
    "麻烦看一下，",
    "喂，",
    "亲，",
    "服了，",
    "投诉：",
    "【投诉】",
    "请问一下，",
    "说个事，",
    "我想反映一下，",
    "第{days}次投诉了！",
    "能不能管管，",
    "真的无语，",
]
_CONTEXT_ZH = [
    "",
    "",
    "",
    "",
    "",
    "单号{order}，",
    "运单号{order}，",
    "我在{platform}买的{item}，",
    "{time}寄的{item}，",
    "寄往{city}的包裹，",
    "{company}的快递，",
    "订单{order}，",
    "从{city}寄来的件，",
    "{time}下的单，",
    "我的{item}，",
    "{company}这个件，",
]
_DEMAND_ZH = [
    "",
    "",
    "",
    "",
    "请尽快处理",
    "给个说法",
    "要求赔偿",
    "麻烦回电{phone}",
    "希望尽快解决",
    "请给我一个合理的解释",
    "我要退款",
    "不处理我就打12305",
    "再不解决就去消协投诉",
    "请核实一下",
    "希望改进",
    "麻烦联系我{phone}",
    "必须道歉",
    "请回复",
]
_END_ZH = [
    "",
    "",
    "",
    "",
    "。",
    "！",
    "！！",
    "!!!",
    "？？？",
    "。。。",
    "，太失望了",
    "，无语",
    "，差评",
    "，谢谢",
    "，气死了",
    "，服了",
    "，太离谱了",
    "，真的很生气",
    "，辛苦了",
    "，心累",
    "，无语子",
    "，破防了",
    "，麻了",
]
_PREFIX_EN = ["", "", "", "hi, ", "hello, ", "complaint: ", "seriously, ", "dear support, "]
_CONTEXT_EN = [
    "",
    "",
    "",
    "order {order}: ",
    "tracking no. {order} - ",
    "ordered from {platform}, ",
]
_DEMAND_EN = [
    "",
    "",
    "",
    ". please fix this",
    ". i want a refund",
    ". call me at {phone}",
    ". i expect compensation",
    ". please explain",
    ". this needs to be sorted out",
]
_END_EN = [
    "",
    "",
    ".",
    "!",
    "!!",
    "!!!",
    "???",
    ". very disappointed",
    ". unacceptable",
    ". thanks",
]

# Mixed zh-en phrasings (counted as lang="mixed").
_MIXED: dict[str, list[str]] = {
    "delay": [
        "快递 delay 了{days}天",
        "说好 next day 结果{days}天还没到",
        "package 卡在{city}{days}天了",
    ],
    "damage_loss": [
        "{item} 到手就 broken 了",
        "box 被压扁，里面的{item}碎了",
        "parcel 丢了，没人管",
    ],
    "attitude": [
        "courier 态度超差，还骂人",
        "客服 attitude 太差，一直敷衍",
        "快递小哥 super rude，甩脸色",
    ],
    "information": [
        "tracking 三天不更新",
        "显示 delivered 但我没收到",
        "取件码 没收到，不知道放哪了",
    ],
    "price": [
        "保价费 收了{amount}元 too expensive",
        "到付 多收 {amount} 块，价格不透明",
        "运费 overcharged 了{amount}元",
    ],
    "other": ["packaging 太浪费了，不环保", "网点 moved 了也不通知", "电子发票 开不了，app 还闪退"],
}

# Colloquial substitutions (网络用语 / typos), each applied with a small probability.
_NOISE: list[tuple[str, str]] = [
    ("快递", "快滴"),
    ("没有", "木有"),
    ("怎么", "肿么"),
    ("什么", "神马"),
    ("这样", "酱紫"),
    ("真的", "真滴"),
    ("非常", "灰常"),
    ("不知道", "不造"),
    ("喜欢", "稀饭"),
    ("太", "忒"),
    ("东西", "东东"),
    ("的", "滴"),
]


@dataclass(frozen=True)
class _Phrase:
    category: str
    lang: str
    template: str
    split: str
    ident: str


def _phrases() -> list[_Phrase]:
    out: list[_Phrase] = []
    for cat in CATEGORIES:
        for i, t in enumerate(_ZH[cat]):
            out.append(
                _Phrase(cat, "zh", t, "test" if i % 5 == 2 else "train", f"{cat}/zh/{i:02d}")
            )
        for i, t in enumerate(_EN[cat]):
            out.append(
                _Phrase(cat, "en", t, "test" if i % 5 == 2 else "train", f"{cat}/en/{i:02d}")
            )
        for i, t in enumerate(_MIXED[cat]):
            out.append(
                _Phrase(cat, "mixed", t, "test" if i == 1 else "train", f"{cat}/mixed/{i:02d}")
            )
    return out


_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


def _order_number(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return "SF" + "".join(rng.choice("0123456789") for _ in range(12))
    if kind == 1:
        return "YT" + "".join(rng.choice("0123456789") for _ in range(13))
    if kind == 2:
        return "JT" + "".join(rng.choice("0123456789") for _ in range(13))
    return "".join(rng.choice("0123456789") for _ in range(rng.choice((12, 13, 15))))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _fill(template: str, rng: random.Random, slots: dict[str, list[str]]) -> str:
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)

    def slot(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "order":
            return _order_number(rng)
        if name == "phone":
            return _phone(rng)
        if name == "platform":
            return rng.choice(_SLOTS["platform"])
        return rng.choice(slots.get(name, _SLOTS.get(name, [name])))

    # slot fillers may themselves contain alternatives/slots (one level deep)
    return _SLOT.sub(slot, _SLOT.sub(slot, text))


def _compose_zh(core: str, rng: random.Random) -> str:
    """Compose a full Chinese template around ``core`` and fill every slot."""
    parts = [rng.choice(_PREFIX_ZH), rng.choice(_CONTEXT_ZH), core]
    if rng.random() < 0.55:
        demand = rng.choice(_DEMAND_ZH)
        if demand:
            parts.append("，" + demand)
    parts.append(rng.choice(_END_ZH))
    text = _fill("".join(parts), rng, _SLOTS)
    if rng.random() < 0.25:
        for old, new in rng.sample(_NOISE, 2):
            text = text.replace(old, new, 1)
    if rng.random() < 0.08:
        text = text.replace("，", " ")
    return text


def _compose_en(core: str, rng: random.Random) -> str:
    text = rng.choice(_PREFIX_EN) + rng.choice(_CONTEXT_EN) + core
    text += rng.choice(_DEMAND_EN) + rng.choice(_END_EN)
    text = _fill(text, rng, _EN_SLOTS)
    if rng.random() < 0.3:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.1:
        text = text.upper()
    return text


def generate_complaints(*, per_category: int = 500, seed: int = 20240601) -> pd.DataFrame:
    """Generate the labelled complaint corpus deterministically.

    Parameters
    ----------
    per_category : int, default 500
        Number of distinct texts per category (about 83 % Chinese, 12 % English,
        5 % mixed zh-en).
    seed : int
        Seed of the ``random.Random`` generator; same seed, same corpus (byte for byte).

    Returns
    -------
    pandas.DataFrame
        Columns ``text``, ``category``, ``lang`` (``zh`` / ``en`` / ``mixed``) and
        ``split`` (``train`` / ``test``, template-disjoint; see module docstring) and
        ``template`` (id of the core phrasing, e.g. ``delay/zh/07``; used as the
        group for calibration folds).
    """
    rng = random.Random(seed)
    phrases = _phrases()
    rows: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()
    for cat in CATEGORIES:
        by_lang = {
            lang: [p for p in phrases if p.category == cat and p.lang == lang]
            for lang in ("zh", "en", "mixed")
        }
        quota = {
            "en": round(per_category * 0.12),
            "mixed": round(per_category * 0.05),
        }
        quota["zh"] = per_category - quota["en"] - quota["mixed"]
        for lang in ("zh", "en", "mixed"):
            made = 0
            attempts = 0
            pool = by_lang[lang]
            while made < quota[lang] and attempts < quota[lang] * 50:
                attempts += 1
                ph = pool[attempts % len(pool)] if rng.random() < 0.5 else rng.choice(pool)
                if lang == "en":
                    text = _compose_en(ph.template, rng)
                elif lang == "zh":
                    text = _compose_zh(ph.template, rng)
                else:
                    core = _fill(ph.template, rng, _SLOTS)
                    text = rng.choice(["", "hi，", "急！"]) + core + rng.choice(_END_ZH)
                text = re.sub(r"\s+", " ", text).strip()
                if len(text) > 150:
                    text = text[:150]
                if len(text) < 5 or text in seen:
                    continue
                seen.add(text)
                rows.append((text, cat, lang, ph.split, ph.ident))
                made += 1
    return pd.DataFrame(rows, columns=["text", "category", "lang", "split", "template"])
