"""The demo's policy column (jiayuan.engage.demo.year): a column kept up
through the year, a few posts each quarter — laws, policies, customs and
festivals, the station's services — several also in Traditional Chinese and
English, three in Uyghur; edited and reviewed in later quarters (so posts have
versions), some due for review now (`manage.py tick` raises the owner's
reminders), one taken down after its festival and one draft. Written
through the services, the clock passed in (`now=`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from jiayuan.engage.column import services
from jiayuan.engage.column.models import Post, PostVersion, ReviewReminder
from jiayuan.engage.column.selectors import TEXT_FIELDS

# (days ago written, category, who ("head"/"caseworker"), texts, what happened since)
# what happened: "due" (not looked at since: due for review now), ("edit", days ago,
# changed texts), ("review", days ago), ("down", days after publishing), "draft".
POSTS: list[tuple[int, str, str, dict[str, str], Any]] = [
    (350, "law", "head", {
        "title_zh_hans": "民法典：邻里之间的相邻关系",
        "body_zh_hans": "《民法典》第二百八十八条：不动产的相邻权利人应当按照有利生产、方便生活、"
                        "团结互助、公平合理的原则，正确处理相邻关系。\n楼上漏水、噪音、占用楼道等纠纷，"
                        "可以先到服务站申请人民调解，调解免费。",
        "title_zh_hant": "民法典：鄰里之間的相鄰關係",
        "body_zh_hant": "《民法典》第二百八十八條：不動產的相鄰權利人應當按照有利生產、方便生活、"
                        "團結互助、公平合理的原則，正確處理相鄰關係。\n糾紛可先到服務站申請人民調解，免費。",
        "title_en": "Civil Code: neighbours' rights and duties",
        "body_en": "Article 288 of the Civil Code: neighbours shall settle their relations in a "
                   "spirit of mutual help, fairness and reason.\nLeaks, noise or blocked "
                   "stairways: ask the station for free mediation first."},
     ("edit", 120, {"body_zh_hans": "《民法典》第二百八十八条：不动产的相邻权利人应当按照有利生产、"
                                    "方便生活、团结互助、公平合理的原则，正确处理相邻关系。\n"
                                    "楼上漏水、噪音、占用楼道等纠纷，可以先到服务站申请人民调解，"
                                    "调解免费，周六上午也可预约。"})),
    (330, "customs", "caseworker", {
        "title_zh_hans": "春节：写春联、包饺子，各族邻居一起过年",
        "body_zh_hans": "腊月二十六，服务站请书法志愿者免费写春联，活动室包饺子，欢迎各族邻居参加。"
                        "请清真饮食的邻居放心：清真饺子单独制作、单独盛放。",
        "title_en": "Spring Festival together",
        "body_en": "Free couplets by volunteer calligraphers and dumpling making at the "
                   "activity room. Halal dumplings are made and served separately."},
     ("down", 20)),
    (300, "policy", "head", {
        "title_zh_hans": "居住证怎么办：条件、材料和办理地点",
        "body_zh_hans": "在本市居住半年以上，有合法稳定就业、合法稳定住所或连续就读条件之一的，"
                        "可以申领居住证。\n材料：身份证、居住登记证明、就业或住所证明。"
                        "服务站可代为预约派出所办理时间。",
        "title_zh_hant": "居住證怎麼辦：條件、材料和辦理地點",
        "body_zh_hant": "在本市居住半年以上，並符合就業、住所或就讀條件之一的，可以申領居住證。"
                        "服務站可代為預約派出所辦理時間。",
        "title_en": "Residence permits: who, what to bring, where",
        "body_en": "If you have lived here six months and have a job, a home or study here, "
                   "you may apply. Bring your ID card and proof of work or housing. The "
                   "station can book the police station appointment for you.",
        "title_ug": "تۇرالغۇ ئىجازەتنامىسى قانداق بېجىرىلىدۇ",
        "body_ug": "بۇ شەھەردە يېرىم يىلدىن ئارتۇق ئولتۇراقلاشقانلار ئىلتىماس قىلسا بولىدۇ. "
                   "كىملىك ۋە خىزمەت ياكى ئۆي ئىسپاتىنى ئېلىپ كېلىڭ. مۇلازىمەت پونكىتى "
                   "ساقچىخانىغا ۋاقىت بەلگىلەپ بېرەلەيدۇ."},
     ("review", 75)),
    (280, "customs", "caseworker", {
        "title_zh_hans": "诺鲁孜节：迎接春天的节日",
        "body_zh_hans": "每年3月21日前后，维吾尔族、哈萨克族等民族的邻居过诺鲁孜节，"
                        "喝诺鲁孜粥、互相拜访。见面可以说一声“诺鲁孜节快乐”。",
        "title_ug": "نورۇز بايرىمى مۇبارەك بولسۇن",
        "body_ug": "ھەر يىلى 21-مارت ئەتراپىدا نورۇز بايرىمى ئۆتكۈزۈلىدۇ. قوشنىلار نورۇز "
                   "ئېشى ئىچىپ، بىر-بىرىنى يوقلايدۇ."},
     ("review", 60)),
    (250, "services", "head", {
        "title_zh_hans": "服务站开放时间",
        "body_zh_hans": "周一至周五 8:30–17:30，周六 9:00–12:00（调解、证明类事项请预约）。"
                        "法定节假日休息，急事请拨打值班电话。",
        "title_zh_hant": "服務站開放時間",
        "body_zh_hant": "週一至週五 8:30–17:30，週六 9:00–12:00。法定節假日休息。",
        "title_en": "Station opening hours",
        "body_en": "Monday to Friday 8:30–17:30, Saturday 9:00–12:00 (mediation and "
                   "certificates by appointment). Closed on public holidays."},
     ("edit", 60, {"body_zh_hans": "周一至周五 8:30–17:30，周六 9:00–12:00（调解、证明类事项请预约）。"
                                   "法定节假日休息，急事请拨打值班电话。冬季（12月至2月）下午17:00关门。",
                   "body_en": "Monday to Friday 8:30–17:30 (17:00 from December to "
                              "February), Saturday 9:00–12:00. Closed on public holidays."})),
    (220, "policy", "caseworker", {
        "title_zh_hans": "随迁子女入学：报名时间和材料",
        "body_zh_hans": "随迁子女申请义务教育学位，一般在每年5月网上报名。"
                        "需要：居住证、户口簿、住房证明、父母就业证明。服务站可帮助核对材料。",
        "title_en": "School places for children who moved here",
        "body_en": "Applications for primary and middle school places open online in May. "
                   "Bring the residence permit, household register and proof of housing "
                   "and work; the station can check your papers."},
     ("edit", 95, {"title_zh_hans": "随迁子女入学：2026年报名时间和材料"})),
    (190, "customs", "caseworker", {
        "title_zh_hans": "古尔邦节：节日习俗和邻里礼仪",
        "body_zh_hans": "古尔邦节是穆斯林的重要节日。节日期间邻居会互赠食品，"
                        "赠送时请注意清真饮食习惯。服务站当天照常开放。",
        "title_en": "Eid al-Adha: customs and good manners",
        "body_en": "Eid al-Adha is a major Muslim festival. Neighbours share food: please "
                   "respect halal customs when you give some.",
        "title_ug": "قۇربان ھېيت مۇبارەك بولسۇن",
        "body_ug": "قۇربان ھېيت مۇسۇلمانلارنىڭ مۇھىم بايرىمى. قوشنىلار بىر-بىرىگە "
                   "تاماق سوۋغا قىلىدۇ."},
     "due"),
    (170, "law", "head", {
        "title_zh_hans": "租房合同要注意什么",
        "body_zh_hans": "签订租房合同前，请核对房东的房产证和身份证，写明租金、押金、维修责任和退租条件。"
                        "发生纠纷可到服务站咨询普法志愿者。"},
     ("review", 70)),
    (140, "policy", "head", {
        "title_zh_hans": "医保关系转移接续怎么办",
        "body_zh_hans": "从外地来本市工作，基本医疗保险可以跨省转移接续。"
                        "可在国家医保服务平台APP上申请，缴费年限累计计算。",
        "title_zh_hant": "醫保關係轉移接續怎麼辦",
        "body_zh_hant": "從外地來本市工作，基本醫療保險可以跨省轉移接續，繳費年限累計計算。",
        "title_en": "Moving your medical insurance here",
        "body_en": "Basic medical insurance can be transferred between provinces through "
                   "the national medical insurance app; years paid are added up."},
     "due"),
    (110, "customs", "caseworker", {
        "title_zh_hans": "中秋节和秋夕：两个相近的节日",
        "body_zh_hans": "朝鲜族邻居过秋夕（추석），和中秋节同一天：祭祖、做松饼。"
                        "服务站在活动室办赏月会，欢迎带家乡点心来分享。",
        "title_en": "Mid-Autumn Festival and Chuseok",
        "body_en": "Korean neighbours celebrate Chuseok on the same day as the Mid-Autumn "
                   "Festival. Come to the moon-viewing evening with a snack from home."},
     "due"),
    (80, "services", "caseworker", {
        "title_zh_hans": "免费法律咨询：每月第一个周三",
        "body_zh_hans": "社区法律顾问每月第一个周三下午在服务站坐班，婚姻家庭、劳动工资、"
                        "租房买房等问题都可以问，无需预约。"},
     ("review", 20)),
    (55, "policy", "head", {
        "title_zh_hans": "冬季供暖报修和困难家庭取暖补贴",
        "body_zh_hans": "家里暖气不热，请先联系物业报修；困难家庭可在服务站申请取暖补贴，"
                        "需带身份证和低保证明。",
        "title_en": "Heating repairs and help with heating costs",
        "body_en": "Radiators cold? Call the property office first. Low-income households "
                   "can apply for a heating allowance at the station."},
     None),
    (30, "law", "caseworker", {
        "title_zh_hans": "电信诈骗的常见套路",
        "body_zh_hans": "“公检法”电话要求转账、冒充客服退款、刷单返利都是诈骗。"
                        "记住：不听、不信、不转账。拿不准时先问服务站或拨打96110。"},
     None),
    (10, "services", "head", {
        "title_zh_hans": "新年志愿服务报名开始",
        "body_zh_hans": "新年期间的助老、送餐、写春联志愿服务开始报名，"
                        "请到服务站或联系网格员。"},
     "draft"),
]


def _at(today: date, days_ago: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour)))


def write(ctx: Any, counts: dict[str, int], made: dict[str, Any]) -> dict[str, Any]:
    """This part's year for ctx.community; returns the posts ("posts")."""
    today = ctx.today
    posts: list[Post] = []
    for n, (days_ago, category, who, texts, then) in enumerate(POSTS):
        author = ctx.staff[who]
        written = _at(today, days_ago, 9 + n % 7)
        day = written.date()
        publish = None if then == "draft" else day
        unpublish = (day + timedelta(days=then[1])
                     if isinstance(then, tuple) and then[0] == "down" else None)
        # Written recently but due now: a short review date.
        review_by = today if then == "due" and days_ago < 90 else None
        post = services.post_create(actor=author, category=category, texts=texts,
                                    owner=author, publish_on=publish, unpublish_on=unpublish,
                                    review_by=review_by, community=ctx.community, now=written)
        if isinstance(then, tuple) and then[0] == "edit":
            when = _at(today, then[1], 15)
            new = {name: getattr(post, name) for name in TEXT_FIELDS}
            new.update(then[2])
            post = services.post_edit(actor=author, post=post, category=category, texts=new,
                                      owner=author, publish_on=publish,
                                      unpublish_on=unpublish, version=post.version, now=when)
        elif isinstance(then, tuple) and then[0] == "review":
            post = services.post_reviewed(actor=author, post=post, version=post.version,
                                          now=_at(today, then[1], 16))
        posts.append(post)
    counts["post"] = counts.get("post", 0) + len(posts)
    return {"posts": posts}


def reset() -> dict[str, int]:
    ReviewReminder.objects.all().delete()
    PostVersion.objects.all().delete()
    deleted, _ = Post.objects.all().delete()
    return {"post": deleted}
