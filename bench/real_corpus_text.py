"""Words for bench/real_corpus.py: names, subjects and sentences of support mail in
English, Chinese, German and Japanese (Chinese kept inside GB2312, so every charset
the generator declares can carry it)."""

from __future__ import annotations

# (charset, transfer encoding) a mail client of each language uses, with weights.
LANG_CHARSETS = {
    "en": ((("utf-8", "7bit"), 3), (("us-ascii", "7bit"), 2), (("windows-1252", "quoted-printable"), 2),
           (("utf-8", "quoted-printable"), 2)),
    "zh": ((("gbk", "base64"), 3), (("gb2312", "base64"), 2), (("gbk", "8bit"), 2),
           (("utf-8", "base64"), 3)),
    "de": ((("iso-8859-1", "quoted-printable"), 3), (("utf-8", "quoted-printable"), 2),
           (("utf-8", "8bit"), 1)),
    "ja": ((("iso-2022-jp", "7bit"), 3), (("utf-8", "base64"), 2)),
}

NAMES = {
    "en": ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Linus Chen", "Maria Garcia", "John O'Neil",
           "Priya Patel", "Tom Baker", "Sarah Connor", "David Kim"),
    "zh": ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄晓明", "周杰", "吴刚"),
    "de": ("Jürgen Müller", "Anna Schäfer", "Stefan Groß", "Katrin Weiß", "Lukas Bäcker"),
    "ja": ("佐藤 花子", "鈴木 一郎", "高橋 健", "田中 美咲", "伊藤 直樹"),
}
COMPANIES = ("example.com", "mail.example.org", "qq.com", "163.com", "gmx.de", "web.de",
             "outlook.com", "gmail.com", "yahoo.co.jp", "contoso.test")

SUBJECTS = {
    "en": ("Cannot log in since this morning", "Invoice {n} is wrong", "Refund for order {n}",
           "Export to CSV fails with an error", "Question about our contract renewal",
           "Printer driver crashes on Windows 11", "Please update our billing address",
           "VPN disconnects every few minutes", "Missing items in delivery {n}",
           "Error 500 when uploading a file"),
    "zh": ("无法登录系统", "发票{n}金额有误", "订单{n}申请退款", "导出报表时出错", "关于合同续签的问题",
           "打印机驱动程序崩溃", "请更新我们的开票信息", "VPN经常断开连接", "货物{n}缺少配件",
           "上传附件时报错"),
    "de": ("Anmeldung schlägt fehl", "Rechnung {n} ist fehlerhaft", "Rückerstattung für Bestellung {n}",
           "Export nach Excel funktioniert nicht", "Frage zur Vertragsverlängerung",
           "Lieferung {n} unvollständig"),
    "ja": ("ログインできません", "請求書{n}の金額について", "注文{n}の返金のお願い",
           "エクスポートでエラーが発生します", "契約更新についての質問"),
}

SENTENCES = {
    "en": ("Since this morning none of our staff can sign in to the portal.",
           "The error message says that the session has expired, even right after logging in.",
           "I have attached a screenshot of the error and the invoice in question.",
           "We were charged twice for the same order last month.",
           "Could you please check what went wrong and let me know how to proceed?",
           "This is blocking our month-end closing, so a quick answer would be appreciated.",
           "We already tried clearing the browser cache and a different browser.",
           "The delivery arrived yesterday but two of the boxes were damaged.",
           "Our finance department needs a corrected invoice with the new VAT number.",
           "Please find the signed contract and the updated price list attached.",
           "I called your hotline twice but nobody picked up.",
           "Thank you for your quick help last time, it worked for a while."),
    "zh": ("从今天早上开始我们所有员工都无法登录系统。", "系统提示会话已过期，但是我们刚刚才登录。",
           "附件是错误截图和相关的发票，请查收。", "上个月同一个订单被扣了两次款。",
           "请帮忙查一下是什么问题，并告诉我们下一步怎么处理。",
           "这个问题影响了我们的月底结账，希望尽快回复。",
           "我们已经清除了浏览器缓存，也换了别的浏览器试过。", "货物昨天到了，但是有两个箱子破损了。",
           "我们财务部门需要一张带新税号的更正发票。", "附件是签好的合同和最新的价格表。",
           "我打了两次客服电话都没有人接。", "谢谢你们上次的帮助，问题解决了一段时间。"),
    "de": ("Seit heute Morgen kann sich keiner unserer Mitarbeiter anmelden.",
           "Die Fehlermeldung besagt, dass die Sitzung abgelaufen ist.",
           "Im Anhang finden Sie einen Screenshot und die betreffende Rechnung.",
           "Uns wurde dieselbe Bestellung zweimal berechnet.",
           "Könnten Sie bitte prüfen, was schiefgelaufen ist?",
           "Das blockiert unseren Monatsabschluss, eine schnelle Antwort wäre großartig.",
           "Die Lieferung kam gestern, aber zwei Kartons waren beschädigt."),
    "ja": ("今朝から社員全員がログインできなくなりました。",
           "セッションの有効期限が切れたというエラーが表示されます。",
           "エラーのスクリーンショットと請求書を添付いたします。", "先月、同じ注文で二重に請求されました。",
           "原因を確認していただき、対応方法を教えていただけますでしょうか。",
           "月末の締め作業に影響が出ておりますので、早めのご回答をお願いいたします。"),
}

SIGNOFF = {"en": "Best regards,\n{name}", "zh": "谢谢！\n{name}", "de": "Mit freundlichen Grüßen\n{name}",
           "ja": "よろしくお願いいたします。\n{name}"}

_WEEKDAYS = {"zh": "一二三四五六日", "ja": "月火水木金土日"}


def attribution(lang: str, style: int, when: str, day: tuple[int, int, int, int, int, int],
                name: str, addr: str) -> str:
    """The line a mail client writes above the quoted message it answers."""
    y, mo, d, h, mi, wd = day
    if lang == "zh":
        return f"在 {y}年{mo}月{d}日 周{_WEEKDAYS['zh'][wd]} {h:02}:{mi:02}，{name} <{addr}> 写道："
    if lang == "de":
        return f"Am {d:02}.{mo:02}.{y} um {h:02}:{mi:02} schrieb {name} <{addr}>:"
    if lang == "ja":
        return f"{y}年{mo}月{d}日({_WEEKDAYS['ja'][wd]}) {h:02}:{mi:02} {name} <{addr}>:"
    if style:
        return f"-----Original Message-----\nFrom: {name} <{addr}>\nSent: {when}\nTo: {addr}"
    return f"On {when}, {name} <{addr}> wrote:"

FILENAMES = {
    "en": ("invoice_{n}", "screenshot_{n}", "IMG_{n}", "contract_signed", "price_list_2024",
           "error_report", "delivery_note_{n}"),
    "zh": ("发票{n}", "截图{n}", "合同扫描件", "价格表2024", "错误报告"),
    "de": ("Rechnung_{n}", "Bildschirmfoto_{n}", "Lieferschein_März", "Vertrag_unterschrieben"),
    "ja": ("請求書{n}", "スクリーンショット{n}", "見積書"),
}
