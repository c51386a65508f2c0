"""Hand-written text material for :mod:`groundswell.streams.synthetic` (data only).

A :class:`Topic` is a set of templates with ``{slot}`` placeholders; slot values
come from the topic's own slots, then from the language's global slots
(:data:`ZH_SLOTS` / :data:`EN_SLOTS`).  All places, people and incidents in the
emerging-issue texts are fictional (临江市 江川区, Eastport, Millbrook Bridge,
Harlow Creek).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    name: str
    tag: str  # hashtag text without the # marks
    templates: tuple[str, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    late: tuple[str, ...] = ()  # events only: phrasings once the issue is known


def T(name: str, tag: str, templates: str, late: str = "", **slots: str) -> Topic:
    """Compact constructor: one template per line, slot values separated by ``|``."""

    def lines(s: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in s.strip().splitlines() if x.strip())

    return Topic(name, tag, lines(templates), {k: tuple(v.split("|")) for k, v in slots.items()}, lines(late))


# -- global slots ----------------------------------------------------------------

ZH_SLOTS = {
    "who": tuple("我妈|我爸|室友|同事|老板|男朋友|女朋友|闺蜜|我弟|隔壁阿姨|同桌|领导|表姐".split("|")),
    "when": tuple("今天|刚刚|早上|中午|下午|今晚|昨晚|这周|周末".split("|")),
    "n": tuple("2|3|4|5|6|7|8|10".split("|")),
    "mins": tuple("10|15|20|30|40|50".split("|")),
    "city": tuple("北京|上海|广州|深圳|杭州|成都|武汉|南京|西安|重庆|长沙|苏州|天津|郑州".split("|")),
    "city2": tuple("北京|上海|广州|深圳|杭州|成都|武汉|南京|西安|重庆|厦门|青岛".split("|")),
    "end": tuple("啊|呀|哈哈哈|！|。|…|吧|。。。".split("|")),
    "feel": tuple("好累|好开心|有点郁闷|无语了|很满足|心累|美滋滋".split("|")),
    "food": tuple("煎饼果子|小笼包|肠粉|热干面|生煎|牛肉面|麻辣烫|黄焖鸡|螺蛳粉|炸鸡".split("|")),
}

EN_SLOTS = {
    "who": tuple("my mom|my roommate|my boss|my coworker|my bf|my gf|my sister|my neighbor|my kid|my dad|my best friend".split("|")),
    "when": tuple("today|this morning|tonight|yesterday|this weekend|right now|all week|again".split("|")),
    "n": tuple("2|3|4|5|6|10|12|15|20".split("|")),
    "mins": tuple("10|15|20|25|30|45".split("|")),
    "city": tuple("Seattle|Chicago|London|Toronto|Austin|Boston|Denver|Leeds|Melbourne|Dublin|Portland".split("|")),
    "end": tuple(".|!|!!| lol| lmao| ugh| 😅| smh| fr|".split("|")),
    "food": tuple("tacos|pizza|ramen|burgers|pad thai|sushi|pho|a burrito|wings|mac and cheese".split("|")),
}

# -- decorations -----------------------------------------------------------------

ZH_EMOTES = tuple("[哈哈] [允悲] [doge] [微笑] [泪] [赞] [吃瓜] [抓狂] [二哈] [笑cry] [心] [good] [怒] [馋嘴] [思考] [费解] [摊手]".split())
EMOJI = tuple("😂 🙏 🔥 😭 👍 🤣 😅 💪 🌸 ✨ 🙃 😤 🥲 ❤️ 👀".split())
ZH_NICKS = tuple("小鱼儿不吃鱼 momo酱 北方的狼 吃货小分队 阿J 一颗柠檬 晴天小猪 奶茶续命 人间清醒 橘子汽水 今天也要加油鸭 小王同学 木子李 风吹麦浪".split())
EN_HANDLES = tuple("jess_codes mikeyb dana_reads tomtom88 sarahk_ wxnerd lilpeach ohhkayla benj_t coffeeandcats the_real_raj nora.writes".split())
ZH_REPOST_COMMENTS = tuple("转发微博|+1|马住|同款|笑死|说得对|哈哈哈哈|真实|赞".split("|"))
ZH_ISSUE_COMMENTS = tuple("扩散|求扩散|求证|真的假的|太离谱了|希望早点解决|关注|大家注意安全|什么情况".split("|"))
EN_QUOTE_COMMENTS = tuple("this 👇|same|💀|so true|ugh same|lol|real|facts".split("|"))
EN_ISSUE_COMMENTS = tuple("wait what|yikes|stay safe everyone|omg|this is scary|big if true|anyone near there?".split("|"))

# -- Chinese background topics (10-60 characters per filled template) ---------------

ZH_TOPICS = (
    T("weather", "今日天气", """
        {when}{city}{weather}，出门记得{advice}
        这{weather}的天气真的让人{feel}{end}
        {city}的天气也太善变了吧，早上{weather}下午又{weather2}
        天气预报说明天{weather}，{who}已经提醒我{advice}了
        终于{weather2}了，好想出去走走
    """, weather="下大雨|降温了|雾霾好重|风好大|阴沉沉的|下小雪|闷热|湿漉漉的",
      weather2="出太阳|放晴|回暖|下雨|刮大风", advice="带伞|多穿点|戴口罩|涂防晒|加件外套"),
    T("breakfast", "早餐打卡", """
        今天早餐吃了{food}，{comment}
        公司楼下那家{food}又涨价了，{price}一份
        每天早上都在纠结吃什么，今天还是{food}吧
        {who}做的{food}太好吃了，连吃了两碗
        早上起晚了没吃早饭，现在饿得前胸贴后背
    """, comment="满足|一般般|有点咸|超级香|吃撑了|还行吧", price="8块|12块|15块|10块|18块"),
    T("milktea", "奶茶", """
        下午来一杯{tea}，{sweet}，续命成功
        {brand}新出的{tea}谁喝过？好喝吗
        又没忍住点了奶茶，减肥计划第{n}次失败
        排了{mins}分钟队终于买到{brand}的{tea}
        {who}请全组喝{brand}，今天是快乐的一天
    """, tea="杨枝甘露|芋泥波波|生椰拿铁|柠檬茶|珍珠奶茶|多肉葡萄|抹茶拿铁",
      sweet="三分糖|半糖|少冰|去冰|全糖", brand="喜茶|奈雪|蜜雪冰城|茶百道|瑞幸|霸王茶姬"),
    T("hotpot", "火锅", """
        {when}和{who}去吃了{hotpot}，{comment}
        想吃火锅的心情达到了顶峰，谁约
        {hotpot}和{hotpot2}你们选哪个？
        吃完火锅衣服上全是味道，但是真的好快乐
        {hotpot}排队排了一个小时，终于吃上了
    """, hotpot="重庆火锅|潮汕牛肉火锅|海底捞|串串香|铜锅涮肉|椰子鸡",
      hotpot2="烤肉|麻辣香锅|日料|烤鱼|炸鸡", comment="辣到怀疑人生|毛肚绝了|服务太好了|有点贵但值得|吃撑了走不动"),
    T("takeout", "外卖", """
        外卖又送晚了{mins}分钟，饿到头晕{end}
        点的{food}到了，汤全洒了，心态崩了
        {when}加班只能点外卖，{food}凑合一下
        外卖小哥好辛苦，下雨天还准时送到了，给了五星好评
        满减凑单凑了半天，最后还是花了五十多
    """),
    T("overtime", "打工人", """
        {when}又要加班到{clock}，{feel}
        打工人的一天：开会、改方案、再开会
        周报写完了，{boss}又说要重做{end}
        今天终于准点下班了！！感动到想哭
        {boss}下班前五分钟来了个新需求，我真的会谢
    """, clock="九点|十点|十一点|凌晨|十二点", boss="老板|领导|甲方|产品经理"),
    T("monday", "周一", """
        周一综合症又犯了，完全不想起床{end}
        新的一周开始了，{goal}
        怎么又是周一，周末过得也太快了吧
        周一早上的第一杯咖啡，救命稻草
    """, goal="这周一定要早睡|争取不迟到|先定个小目标|希望一切顺利"),
    T("kaoyan", "考研", """
        考研人第{num}天打卡，今天背了{words}个单词
        {subject}真的太难了，谁来救救我
        复试名单出来了，{result}
        图书馆又满座了，现在考研的人也太多了
        {subject}刷了{n}套卷子，感觉有点进步了
    """, num="30|57|100|128|200", words="50|80|100|150",
      subject="高数|政治|英语一|专业课|线代", result="进了进了！|差两分没进，难受|还在等，好紧张|调剂中，求好运"),
    T("exam", "期末考试", """
        明天考{subject}，现在才开始复习{end}
        考完{subject}感觉要挂了，求老师手下留情
        {who}说这次题目很简单，我怎么觉得好难
        考试周连续熬夜，黑眼圈比熊猫还重
    """, subject="高数|大学物理|有机化学|马原|英语|数据结构"),
    T("drama", "追剧", """
        最近在追{drama}，{role}演得太好了
        {drama}大结局了，{comment}
        一口气刷了{n}集{drama}，眼睛要瞎了
        有没有好看的剧推荐，剧荒好难受
        {drama}里的{role}也太让人心疼了吧
    """, drama="《繁花》|《狂飙》|《漫长的季节》|《甄嬛传》|《长相思》|《都挺好》",
      role="男主|女主|反派|男二|女二", comment="意难平|哭死我了|有点烂尾|还想再看一遍"),
    T("variety", "综艺", """
        {show}这期笑死我了哈哈哈
        {show}的嘉宾阵容也太强了吧
        看{show}看到半夜，明天又要起不来了
        {show}这季不如上一季好看，剪辑太碎了
    """, show="《向往的生活》|《奔跑吧》|《乘风破浪》|《脱口秀大会》|《歌手》|《快乐再出发》"),
    T("movie", "电影", """
        {when}去看了{movie}，{comment}
        {movie}评分{score}，值得去电影院看吗
        电影院就我和{who}两个人，直接包场了哈哈
        {movie}的结尾我真的没看懂，有人解释一下吗
    """, movie="《热辣滚烫》|《流浪地球2》|《封神》|《满江红》|《你好，李焕英》|《长安三万里》",
      score="7.8|8.3|6.9|9.1|7.5", comment="笑中带泪|特效很震撼|中间有点拖沓|强烈推荐|一般般吧"),
    T("concert", "演唱会", """
        抢到{singer}演唱会的门票了！！！
        {singer}演唱会又没抢到，黄牛票炒到{price}了
        昨晚{singer}的演唱会太燃了，嗓子都喊哑了
        下个月{city}有{singer}的演唱会，有人一起吗
    """, singer="周杰伦|五月天|薛之谦|陈奕迅|邓紫棋|张学友|李健", price="三千|五千|八千|一万"),
    T("game", "游戏", """
        {game}又输了{n}把，队友太坑了
        {game}新赛季上分好难{end}
        周末宅家打{game}，快乐就是这么简单
        {game}出新皮肤了，钱包又要瘪了
        和{who}开黑打{game}，被带飞了
    """, game="王者荣耀|原神|和平精英|英雄联盟|金铲铲之战|星穹铁道"),
    T("express", "快递", """
        快递显示已签收，但我根本没收到啊
        买的{item}到了，{comment}
        {when}拿了{n}个快递，拆快递真的好解压
        快递在{city}转运中心卡了三天了，一动不动
        又是被快递柜超时费坑的一天
    """, item="衣服|鞋子|耳机|零食|书|猫粮|充电宝|台灯",
      comment="质量还不错|跟图片差好多|尺码小了|性价比很高|包装太用心了"),
    T("cat", "铲屎官", """
        我家猫{when}又把{thing}打翻了{end}
        猫主子今天不理我，是我哪里做错了吗
        {catname}胖了{n}斤，该减肥了
        半夜被猫踩醒，它就坐在那盯着我看
        给{catname}买的新窝它不睡，偏偏要睡纸箱
    """, thing="水杯|花盆|纸巾盒|遥控器|洗面奶", catname="橘猫|布偶|我家英短|小黑|咪咪"),
    T("dog", "萌宠", """
        带{dog}去公园，遇到了好多狗狗朋友
        {dog}把沙发咬坏了，气死我了
        每天遛狗{n}公里，狗没瘦我倒是瘦了
        {dog}一听到零食袋的声音就冲过来
        {dog}第一次洗澡，全程一脸委屈
    """, dog="柯基|金毛|泰迪|柴犬|边牧|我家狗子"),
    T("gym", "健身", """
        健身第{n}天，{part}练得好酸
        {when}去健身房，人好多，器械都排不上
        私教又在推销课程了，我真的不想买
        练了{n}个月，终于能看到一点腹肌了
    """, part="腿|胸|背|肩|核心"),
    T("running", "跑步", """
        {when}跑了{km}公里，配速{pace}
        跑完{km}公里，感觉整个人都通透了
        报名了{city}马拉松，开始认真备赛
        下雨没法跑步，在家跳了半小时操
    """, km="3|5|8|10|12", pace="5分半|6分钟|6分40秒|7分钟"),
    T("diet", "减肥", """
        减肥第{n}天，体重一点没变{end}
        晚上不吃饭真的能瘦吗？有没有人试过
        说好的减肥，结果{who}约我去吃{food}
        称了一下体重，过年胖的还没减下来
    """),
    T("skincare", "护肤", """
        换季皮肤好干，有什么好用的{product}推荐吗
        熬夜之后脸色好差，赶紧敷了张面膜
        {product}用完了，是回购还是换一个呢
        最近开始认真防晒了，希望夏天别晒黑
    """, product="面霜|精华|防晒|洗面奶|水乳"),
    T("outfit", "今日穿搭", """
        今天的穿搭：{clothes}配{clothes2}，{comment}
        换季了，衣柜里永远少一件衣服
        买的{clothes}到了，上身效果超出预期
        早上在衣柜前站了{mins}分钟，不知道穿什么
    """, clothes="卫衣|风衣|牛仔裤|针织衫|西装外套|衬衫", clothes2="小白鞋|阔腿裤|半身裙|马丁靴|帆布鞋",
      comment="简单舒服|同事说很好看|有点显胖|很有春天的感觉"),
    T("travel", "旅行", """
        五一想去{place}玩，有没有攻略推荐
        刚从{place}回来，{comment}
        {place}的人也太多了吧，全是人头
        说走就走，明天出发去{place}！
    """, place="大理|厦门|成都|三亚|西安|青岛|长沙|桂林|丽江",
      comment="风景太美了|吃胖了五斤|性价比一般|还想再去一次"),
    T("train", "春运", """
        抢到回家的高铁票了！开心
        {city}到{city2}的票又没了，候补中
        高铁上有小孩一直在哭，耳机都挡不住
        坐了{n}个小时的火车，腰都快断了
    """),
    T("renting", "租房", """
        房东又要涨房租了，打工人太难了
        在{city}租房太难了，{rent}一个月还是老破小
        搬家累瘫了，东西怎么会这么多
        隔壁邻居天天半夜装修，谁懂啊
    """, rent="三千|四千五|六千|两千八"),
    T("renovation", "装修", """
        装修第{n}个月，终于快完工了
        装修师傅又说要加钱，心好累
        选了{n}天瓷砖，选择困难症犯了
        新家的沙发到了，坐上去好舒服
    """),
    T("parenting", "育儿", """
        娃{when}又发烧了，一晚上没怎么睡
        辅导作业真的会让人血压升高
        孩子说长大要当{job}，好可爱
        周末带娃去了趟动物园，比上班还累
    """, job="宇航员|医生|厨师|警察|老师|科学家"),
    T("cooking", "下厨房", """
        第一次做{dish}，居然成功了
        {who}教我做的{dish}，味道还不错
        今晚做了{dish}，{comment}
        买了一堆菜，结果只会做{dish}
    """, dish="红烧肉|番茄炒蛋|可乐鸡翅|糖醋排骨|酸菜鱼|麻婆豆腐",
      comment="全家都说好吃|盐放多了|卖相一般味道还行|光盘了"),
    T("baking", "烘焙", """
        周末烤了{bake}，{result}
        烘焙小白求问：{bake}为什么总是失败
        周末在家做{bake}，满屋子都是香味
    """, bake="戚风蛋糕|曲奇|吐司|蛋挞|巴斯克", result="颜值一般但是好吃|一出炉就塌了|被抢光了|第一次这么成功"),
    T("phone", "数码", """
        新买的{phone}，{comment}
        手机电池越来越不耐用了，一天要充三次
        {phone}和{phone2}选哪个？纠结好几天了
        系统更新之后手机卡得不行
    """, phone="华为Mate|iPhone|小米|OPPO|vivo|荣耀", phone2="华为|苹果|小米|一加",
      comment="拍照效果太好了|续航很顶|有点烫手|用着还行"),
    T("sunset", "晚霞", """
        今天{city}的晚霞也太美了吧
        下班路上看到超美的晚霞，心情都变好了
        随手一拍都是壁纸，今天的天空好温柔
    """),
    T("reading", "读书", """
        最近在读{book}，{comment}
        睡前读了几页{book}，很治愈
        今年给自己定了个小目标：读完{n}本书
    """, book="《活着》|《百年孤独》|《三体》|《人类简史》|《被讨厌的勇气》|《平凡的世界》",
      comment="看哭了|后劲好大|有点难读下去|强烈推荐"),
    T("insomnia", "失眠", """
        又失眠了，现在{clock}了还睁着眼
        每天都说要早睡，每天都在熬夜
        失眠的人都在刷微博吗，出来聊聊
    """, clock="两点|三点|一点半|四点"),
    T("cold", "感冒", """
        换季感冒了，嗓子好痛
        {who}感冒了，全家都被传染了
        发烧{temp}度，请假在家躺着
        鼻塞到睡不着，有什么偏方吗
    """, temp="38.2|38.5|37.8|39"),
    T("haircut", "理发", """
        {when}去剪头发，Tony老师又剪短了
        办了张理发卡，结果店跑路了
        剪了个新发型，{comment}
    """, comment="同事都说好看|像个蘑菇|还挺满意|不敢出门了"),
    T("dating", "催婚", """
        {who}又给我安排相亲了{end}
        相亲对象第一次见面就问我工资多少
        单身也挺好的，为什么总有人催
    """),
    T("idol", "追星", """
        {idol}的新歌太好听了，单曲循环中
        今天是{idol}的生日，生日快乐！
        给{idol}打榜打了一晚上，手都酸了
    """, idol="我家爱豆|本命|哥哥|姐姐|宝藏歌手"),
    T("nba", "NBA", """
        {team}今天{result}，{player}拿了{pts}分
        熬夜看{team}的比赛，最后{result}{end}
        {player}这个球太帅了吧，回放看了十遍
    """, team="湖人|勇士|凯尔特人|掘金|雄鹿|独行侠", result="赢了|输了|加时绝杀",
      player="詹姆斯|库里|约基奇|塔图姆|东契奇", pts="25|31|38|42|19"),
    T("badminton", "羽毛球", """
        {when}打了两小时羽毛球，累但是好爽
        新买的羽毛球拍到了，手感不错
        约了{who}周末打羽毛球，输的请吃饭
    """),
    T("fishing", "钓鱼", """
        周末去水库钓鱼，钓了{n}条鲫鱼
        空军了一整天，一条鱼都没钓到
        钓鱼佬永不空军！今天收获不错
    """),
    T("plants", "养花", """
        阳台的{flower}开花了，好开心
        {flower}又被我养死了，我真的是植物杀手
        给{flower}换了个大盆，希望它长得好
    """, flower="月季|绿萝|多肉|茉莉|栀子花|君子兰"),
    T("spring", "春天", """
        {park}的{blossom}开了，周末去拍照
        春天来了，楼下的柳树都发芽了
        今天气温{temp}度，可以穿单衣出门了
    """, park="公园|小区|学校|江边", blossom="樱花|玉兰|桃花|油菜花", temp="18|20|22|24"),
    T("stocks", "基金", """
        今天基金又绿了，又白干一个月{end}
        A股{move}，我的自选股{result}
        理财真难，还不如存银行
    """, move="大涨|跳水|震荡", result="全红了|全绿了|一半红一半绿"),
    T("birthday", "生日快乐", """
        今天是我{age}岁生日，许了个小小的愿望
        {who}送了我{gift}当生日礼物，太感动了
        一个人过生日也要好好吃顿饭
    """, age="18|22|25|28|30", gift="一束花|一条围巾|一台相机|手写信"),
    T("jobhunt", "求职", """
        投了{num}份简历，只收到两个面试
        面试被问到{q}，当场愣住了
        拿到offer了！！！努力没有白费
    """, num="30|50|80|100", q="期望薪资|职业规划|离职原因|最大的缺点"),
)

# -- English background topics ------------------------------------------------------

EN_TOPICS = (
    T("weather", "weather", """
        {weather} {when} in {city}{end}
        why is it {weather} in march. i'm done
        forecast says {weather} all week, great
        finally some sun in {city}, going for a walk
    """, weather="raining|freezing|so windy|snowing|weirdly warm|gray and gloomy"),
    T("coffee", "coffee", """
        need my {drink} before anyone talks to me
        the coffee shop got my order wrong {when}{end}
        third {drink} of the day and it's only {clock}
        {who} just discovered oat milk and won't shut up about it
    """, drink="coffee|cold brew|oat latte|flat white|americano", clock="10am|11am|noon|9:30"),
    T("gym", "gym", """
        leg day {when} and i can't feel my legs
        gym was packed, waited {mins} mins for a bench{end}
        new PR on deadlift!! {weight} lbs
        skipped the gym {n} days in a row, oops
    """, weight="225|275|315|185"),
    T("cooking", "cooking", """
        made {dish} from scratch {when} and honestly nailed it
        tried a new {dish} recipe, {comment}
        {who} taught me how to make {dish}{end}
    """, dish="lasagna|curry|banana bread|stir fry|chili|carbonara",
      comment="10/10 would make again|too salty|not bad for a first try|gone in 5 minutes"),
    T("cat", "caturday", """
        my cat knocked {thing} off the table {when}{end}
        the cat is sitting on my keyboard again, guess i'm not working
        {catname} is judging me from the couch rn
    """, thing="my coffee|a glass|my phone|the remote", catname="Milo|Luna|Oliver|Mochi|the cat"),
    T("dog", "dogsoftwitter", """
        took {dog} to the dog park and he made {n} new friends
        {dog} ate my sock {when}{end}
        {dog} hears the treat bag from three rooms away
    """, dog="my corgi|the puppy|Biscuit|Max|my lab|our golden"),
    T("tv", "nowwatching", """
        just finished {show} and wow
        no spoilers but {show} episode {n} was insane
        is {show} worth watching? need something new
        binged all of {show} in {n} days, no regrets
    """, show="Severance|The Bear|Slow Horses|Shogun|The Last of Us|Succession"),
    T("movie", "movies", """
        saw {movie} {when}, {comment}
        is {movie} worth seeing in theaters?
        rewatching {movie} for the {nth} time
    """, movie="Dune Part Two|Oppenheimer|Barbie|Past Lives|Everything Everywhere",
      comment="absolutely stunning|too long tbh|cried twice|mid honestly", nth="3rd|5th|10th"),
    T("music", "nowplaying", """
        {artist} new album is on repeat {when}
        got tickets to see {artist}!!!
        can't stop listening to {artist}{end}
    """, artist="Taylor Swift|Olivia Rodrigo|Kendrick|Phoebe Bridgers|Bad Bunny|SZA"),
    T("gaming", "gaming", """
        lost {n} ranked games in a row, uninstalling{end}
        finally beat the final boss in {game}
        anyone playing {game}? need a squad tonight
    """, game="Elden Ring|Baldur's Gate 3|Fortnite|Valorant|Zelda|Helldivers 2"),
    T("shopping", "deals", """
        {store} sale is dangerous, spent ${money} on {item}
        returned the {item}, didn't fit{end}
        why is {item} so expensive now
    """, store="Target|Costco|Amazon|the mall|IKEA", money="80|120|200|45", item="shoes|a jacket|a lamp|headphones|a rug"),
    T("meetings", "worklife", """
        {n} meetings today and zero actual work done
        this meeting could have been an email
        {boss} scheduled a 4:45pm meeting on a friday{end}
    """, boss="my manager|the VP|my boss|someone"),
    T("wfh", "wfh", """
        working from home in pajamas, living the dream
        my wifi died in the middle of a call{end}
        {who} keeps walking behind me on zoom calls
    """),
    T("study", "studytwitter", """
        {subject} exam tomorrow and i know nothing
        finals week is killing me{end}
        library till midnight again, send coffee
    """, subject="orgo|calc|stats|econ|physics"),
    T("books", "booktwitter", """
        just finished {book} and i need to talk about it
        reading {book} before bed, can't put it down
        {n} books into my reading goal this year
    """, book="Tomorrow and Tomorrow and Tomorrow|Project Hail Mary|Fourth Wing|Demon Copperhead|The Midnight Library"),
    T("running", "running", """
        {km}k run {when}, pace {pace}
        signed up for the {city} marathon, what have i done
        rainy run {when} but felt great
    """, km="5|8|10|15", pace="5:30/km|6:10/km|8:45/mi|9:20/mi"),
    T("hiking", "hiking", """
        hiked {n} miles {when}, views were unreal
        trail was so muddy {when}{end}
        best sunrise hike ever, worth waking up at 4am
    """),
    T("garden", "gardening", """
        my tomatoes finally sprouted!!
        {plant} died again, i have a black thumb{end}
        repotted my {plant} {when}, wish it luck
    """, plant="monstera|basil|snake plant|pothos|succulents"),
    T("baking", "baking", """
        baked {bake} {when}, kitchen smells amazing
        my {bake} collapsed in the oven{end}
        sourdough attempt #{n}, getting better
    """, bake="cookies|banana bread|a cake|croissants|cinnamon rolls"),
    T("nba", "NBA", """
        {team} {result} {score}! {player} was on fire
        what a game, {team} in overtime
        {player} with {pts} tonight, unreal
    """, team="Lakers|Celtics|Warriors|Knicks|Nuggets|Bucks", result="win|lose|take it",
      score="112-104|98-95|120-118|101-99", player="Curry|LeBron|Jokic|Brunson|Tatum", pts="35|41|28|50"),
    T("gadgets", "tech", """
        new {gadget} arrived and {comment}
        should i upgrade my {gadget}? mine is {n} years old
        {gadget} battery life is a joke
    """, gadget="laptop|phone|headphones|smartwatch|tablet",
      comment="it's so fast|already regret it|setup took forever|worth every penny"),
    T("battery", "phone", """
        phone at {pct}% and i forgot my charger{end}
        my phone died in the middle of {activity}
        why does my phone battery drain so fast since the update
    """, pct="3|5|8|12", activity="a call|maps|a podcast|paying"),
    T("apps", "tech", """
        the new {app} update is so bad, bring back the old layout
        {app} is down again?
        deleted {app} for a week, feel so much better
    """, app="Instagram|Spotify|Uber|TikTok|YouTube"),
    T("birthday", "birthday", """
        {who} surprised me with a cake, i'm crying
        {age} today!! feeling old{end}
        birthday dinner at {place}, perfect night
    """, age="25|30|21|40", place="my favorite sushi spot|the steakhouse|home"),
    T("wedding", "wedding", """
        {friend} got married {when}, best wedding ever
        third wedding this month, my wallet is crying
        caught the bouquet lol
    """, friend="my cousin|my college roommate|my best friend|my sister"),
    T("parenting", "parenting", """
        {kid} asked me why the sky is blue {n} times today
        bedtime took {mins} minutes {when}{end}
        {kid} said my cooking is better than mcdonalds, best day
    """, kid="my 4 year old|my son|my daughter|the toddler"),
    T("travel", "travel", """
        flight delayed {n} hours at {airport}, send snacks
        just landed in {city}, so excited
        airport security line is insane {when}
    """, airport="JFK|O'Hare|Heathrow|LAX|Denver"),
    T("restaurant", "foodie", """
        new {cuisine} place downtown is amazing
        waited an hour for brunch {when}, worth it
        {food} for dinner again, no regrets
    """, cuisine="thai|korean bbq|ramen|mexican|ethiopian"),
    T("sleep", "insomnia", """
        it's {clock} and i'm wide awake{end}
        slept {n} hours, feeling like a zombie
        why do i get all my best ideas at 2am
    """, clock="2am|3am|1:30am|4am"),
    T("monday", "mondaymood", """
        monday again{end}
        alarm went off and i chose violence
        mondays should be illegal
    """),
    T("weekend", "weekend", """
        weekend plans: sleep, {food}, repeat
        what's everyone doing this weekend?
        cleaned the whole apartment, feel like a new person
    """),
    T("photo", "photography", """
        the sunset {when} was unreal
        got a shot i'm really proud of {when}
        new lens day!!
    """),
    T("podcast", "podcasts", """
        anyone have podcast recs for long drives?
        that {pod} episode about {subject} was fascinating
    """, pod="Radiolab|99% Invisible|Hard Fork|Serial", subject="memory|octopuses|cities|sleep"),
    T("crypto", "crypto", """
        bitcoin {move} again, my portfolio is a rollercoaster
        should have bought eth in 2016{end}
    """, move="pumping|dumping|sideways"),
    T("stocks", "stocks", """
        market {move} {when}, glad i'm not checking my 401k
        earnings season is stressing me out
    """, move="is red|rallied|is flat"),
    T("jobs", "jobsearch", """
        applied to {num} jobs, got {n} rejections today
        final round interview tomorrow, wish me luck!!
        got the offer!!! starting next month
    """, num="40|75|100|150"),
    T("rent", "rent", """
        rent went up ${money} again{end}
        apartment hunting in {city} is a nightmare
        landlord finally fixed the heat after {n} weeks
    """, money="200|300|150|400"),
    T("car", "cars", """
        check engine light came on {when}{end}
        mechanic quoted ${money} to fix the brakes
        got a flat tire on the way to work
    """, money="600|900|1200|450"),
    T("allergies", "allergies", """
        allergy season is here and i'm dying
        {who} gave me their cold, great
        sneezed {n} times in a row
    """),
    T("chores", "adulting", """
        laundry has been sitting in the dryer for {n} days
        finally did the dishes, kitchen is clean
        adulting is just doing laundry forever
    """),
    T("haircut", "haircut", """
        got a haircut {when} and i'm not sure about it
        barber took way too much off{end}
        new haircut who dis
    """),
    T("hottake", "hottake", """
        hot take: {take}
        unpopular opinion: {take}
    """, take="pineapple belongs on pizza|breakfast for dinner is elite|naps are a personality|cereal is soup"),
)

# -- traps ------------------------------------------------------------------------

LEAGUE_ZH = T("league", "中超", """
    {team}今晚对{team2}，{pred}
    中超第{rnd}轮，{team}{result}
    {team}这赛季的防守真的稳
    看{team}的比赛看得血压都上来了
    {team}主场又爆满了，氛围太好了
    {player}这个进球太漂亮了，年度最佳预定
""", team="临江海港|申城蓝鹰|北国雄狮|岭南队|山城队", team2="成都蓉城|泰山队|国安|津门虎",
  pred="赌一个二比一|感觉要平局|主场必胜|悬了", rnd="3|4|5|6", result="一比零小胜|又输了|逼平对手|三比一大胜",
  player="10号|外援|队长|替补小将")
LEAGUE_EN = T("league", "PremierLeague", """
    {team} vs {team2} {when}, {pred}
    what a goal by {player}!!
    {team} defense is a joke this season{end}
    {team} top of the table, who saw that coming
    ref is having a shocker in the {team} game
""", team="Arsenal|Liverpool|Man City|Spurs|Chelsea|Villa", team2="Newcastle|Brighton|West Ham|Everton",
  pred="calling it 2-1|draw written all over it|we win this easy|nervous", player="Saka|Salah|Haaland|Son|Palmer")

COMMUTE_ZH = T("commute", "早高峰", """
    早高峰的地铁{line}挤成沙丁鱼了
    {when}公交等了{mins}分钟才来，又要迟到了
    {road}堵成停车场了，开车上班好崩溃
    挤地铁挤到怀疑人生，每天通勤两小时
    早上{clock}的地铁{line}，连站的地方都没有
    骑共享单车上班，比坐公交还快
    打工人的早高峰：排队、换乘、一路小跑
""", line="1号线|2号线|4号线|5号线|10号线", road="环城路|滨江大道|解放路|中山路",
  clock="七点半|八点|八点十分|七点四十")
COMMUTE_EN = T("commute", "commute", """
    morning commute is brutal {when}, train packed
    {road} traffic is at a standstill, gonna be late
    bus was {mins} mins late{end}
    nothing like standing in a packed train at 8am
    biked to work {when}, beat the traffic
""", road="I-5|the ring road|Main St|the highway|5th Ave")

FLOOD_ZH = T("flood", "限时福利", """
    【限时福利】{brand}面膜买一送一，点击领券 http://t.cn/{code} 仅限今天！
    【限时福利】{brand}面膜买一送一！！点击领券 http://t.cn/{code} 仅限今天
    【限时福利】{brand}面膜买一送一，戳链接领券 http://t.cn/{code} 今天截止！
""", brand="美颜坊|水润佳人", code="A6x9KqP|A6x9KqP|A6rT2mW")

# -- emerging issues (fictional) -----------------------------------------------------

WATER_ZH = T("water_jiangchuan", "江川区停水", """
    江川区{sub}怎么突然停水了？也没看到通知啊
    家里自来水有股怪味，颜色还有点发黄，江川区的朋友你们家也这样吗
    刚下班回来发现停水了，{sub}整栋楼都没水
    江川区这边的自来水是不是出问题了，烧开了还有味道
    {sub}停水了，有人知道什么时候恢复吗
    水龙头放出来的水是黄的……江川区{sub}，有点慌
    江川区停水了？{who}说他们那边也没水
""", late="""
    #江川区停水# 已经停了{hours}个小时了，小孩洗澡都没法洗
    江川区水务部门回应了吗？自来水有异味到底还能不能喝
    超市矿泉水都被抢光了，江川区这次停水太突然了
    听说江川区是水源被污染了，大家先别喝自来水，转告家人
    江川区停水第{hours}个小时，送水车来了，排了好长的队
    官方通报说江川区供水管网{cause}，正在抢修，希望早点恢复
    在江川区住了十年，第一次遇到停水这么久，水质问题必须给个说法
    求扩散！江川区{sub}停水，家里有老人，谁能帮忙送点水
    江川区的自来水到底怎么了，停水加异味，能不能公开检测结果
""", sub="江川花园|滨江小区|锦绣苑|新华街道|东湖社区|学府路一带|幸福里",
  hours="3|4|5|6|8|十几", cause="爆管|水源受到污染|设备故障")

METRO_ZH = T("metro_line3", "临江地铁3号线故障", """
    3号线怎么停在隧道里不动了，已经{mins}分钟了
    地铁3号线又故障了？{station}站全是人
    车厢广播说{cause}，3号线临时停运，要迟到了
    被困在3号线上，车厢里好热，有人知道怎么回事吗
    3号线{station}站不让进了，说是故障停运
""", late="""
    #临江地铁3号线故障# {station}站已经限流了，排队排到马路上
    3号线停运快{hours}个小时了，打车软件排队{n}百多人
    临江地铁发通报了：3号线{cause}，{station}至{station2}区间暂停运营
    3号线这个月第二次故障了，到底什么时候能解决
    在{station}站等了一个小时，最后还是走回家的，3号线太坑了
    3号线故障停运，公交接驳车根本不够用，大家注意安排出行
""", station="临江路|南湖公园|体育中心|火车站|江川|大学城|人民广场",
  station2="滨江|新城|机场|东站", cause="信号故障|供电故障|列车故障|接触网故障", hours="1|2|3", n="2|3|5")

BRIDGE_EN = T("bridge_millbrook", "MillbrookBridge", """
    why is Millbrook Bridge closed?? cops blocking both ends
    Millbrook Bridge shut down out of nowhere, traffic backed up to {street}
    anyone know what's going on at Millbrook Bridge? heard a loud bang and now it's closed
    stuck on {street} for {mins} mins because Millbrook Bridge is closed{end}
    police just closed Millbrook Bridge in both directions, something's wrong
""", late="""
    City confirms Millbrook Bridge closed indefinitely after inspectors found cracks in the deck #MillbrookBridge
    Millbrook Bridge closure is a nightmare, my commute went from 20 to {mins2} mins
    Avoid Millbrook Bridge! totally closed, use {street} instead
    buses rerouted because of the Millbrook Bridge closure, expect delays #Eastport
    how long has Millbrook Bridge had cracks and nobody said anything??
    Millbrook Bridge closed, east side schools sending kids home early
    Eastport council emergency meeting on the Millbrook Bridge closure tonight
""", street="Harbor Rd|Route 9|Fulton Ave|Kings Hwy|the east ramp", mins2="70|90|110|120")

SPILL_EN = T("spill_harlow", "HarlowCreek", """
    weird chemical smell near Harlow Creek, anyone else?
    tanker flipped by Harlow Creek, stuff is leaking into the water
    fire trucks all over Harlow Creek road, smells like {smell}
    eyes burning near Harlow Creek, what is going on{end}
    something leaking into Harlow Creek, the water is {color}
""", late="""
    Officials: chemical spill at Harlow Creek, residents within {dist} miles told to shelter in place #HarlowCreek
    dead fish all along Harlow Creek after the chemical spill, this is awful
    they're evacuating {street} because of the Harlow Creek chemical spill
    is our tap water safe after the Harlow Creek spill? no one is telling us anything
    Harlow Creek spill update: {what}
    shelter in place for the Harlow Creek area, keep windows closed #Eastport
""", smell="bleach|paint thinner|rotten eggs|chlorine", color="foamy|green|milky white",
  dist="1|2|3", street="Creekside Dr|Mill Lane|Oak St|the trailer park",
  what="hazmat crews on site|tanker driver hospitalized|school closed tomorrow|water plant intake shut")

EVENT_TEXTS = {t.name: t for t in (WATER_ZH, METRO_ZH, BRIDGE_EN, SPILL_EN)}
