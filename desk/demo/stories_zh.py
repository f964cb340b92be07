"""The Chinese half of the demo's conversations."""

from __future__ import annotations

from desk.demo.stories import Lines, Sample, Story
from desk.models import Priority

SUPPORT = "Support"
BILLING = "Billing"

STORIES = (
    Story(
        team=SUPPORT,
        subject="打印机无法连接",
        body="你好，我们办公室的打印机（HP LaserJet M404）从昨天开始无法连接，电脑上一直显示"
        "“脱机”。已经重启过打印机和路由器，还是不行。麻烦尽快帮忙看一下，谢谢！",
        reply="{first}，您好：\n\n感谢反馈。请在打印机面板上打印一张网络配置页，确认上面的 IP "
        "地址和电脑里添加的打印机端口是否一致，然后把结果告诉我们。",
        follow_up="配置页上的 IP 是 192.168.1.57，电脑里添加的是 192.168.1.23，确实不一样。",
        note="打印机的 IP 被路由器的 DHCP 重新分配了，建议客户在路由器上绑定固定 IP。",
        resolution="{first}，您好：\n\n问题是打印机的 IP 地址被路由器重新分配了。我们已远程把"
        "端口改成新的地址，并建议在路由器上为打印机绑定固定 IP。现在应该可以正常打印了。",
        tags=("printer", "硬件"),
        priority=Priority.high,
    ),
    Story(
        team=BILLING,
        subject="发票抬头错误",
        body="您好，我们上个月收到的增值税专用发票（发票号 {n}）抬头少了“有限公司”几个字，"
        "财务无法入账。请帮忙作废后重新开具，谢谢。",
        reply="{first}，您好：\n\n非常抱歉给您带来不便。请提供正确的公司全称、纳税人识别号和"
        "开户行信息，我们核对后为您重开。",
        follow_up="公司全称：{company}，纳税人识别号 91110108MA01ABCD2X，开户行信息"
        "和上次一致。",
        note="原发票需先红冲，财务确认本周四前可以重开。",
        resolution="{first}，您好：\n\n原发票已红冲，新的发票已经开具并发送到您的邮箱，请查收。",
        tags=("发票", "invoice"),
    ),
    Story(
        team=BILLING,
        subject="退款进度查询（订单 {n}）",
        body="你好，我在本月初申请了退款（订单号 {n}），当时说 7 个工作日内到账，现在已经两周了"
        "还没有收到，请问进度如何？",
        reply="{first}，您好：\n\n我们查到退款已于上周提交给支付渠道。请问您付款时用的是支付宝"
        "还是银行卡？银行卡退款一般需要多几天。",
        follow_up="用的是招商银行的信用卡。",
        note="支付渠道显示退款已成功，银行处理中，参考号 RF{n}。",
        resolution="{first}，您好：\n\n退款已由银行处理完成，参考号 RF{n}，请在信用卡账单中查看。",
        tags=("退款", "refund"),
        priority=Priority.high,
    ),
    Story(
        team=SUPPORT,
        subject="无法登录账号，一直提示密码错误",
        body="您好，我今天早上改了密码，之后就一直提示“用户名或密码错误”，换了浏览器也一样。"
        "下午要用系统给客户做演示，比较着急。",
        reply="{first}，您好：\n\n请问您最后一次尝试登录大概是几点？我们查一下登录日志。",
        follow_up="大概是 10 点 20 分左右，连着试了好几次。",
        note="连续失败 5 次后账号被锁定，已解锁。",
        resolution="{first}，您好：\n\n您的账号因为连续输错密码被临时锁定，我们已经解锁，现在"
        "可以用新密码登录了。",
        tags=("login", "账号"),
        priority=Priority.urgent,
    ),
    Story(
        team=SUPPORT,
        subject="API 调用频繁返回 429 错误",
        body="我们的系统每天凌晨同步工单，最近经常收到 429 Too Many Requests。请问接口的频率"
        "限制是多少？能否为我们调高？",
        reply="{first}，您好：\n\n每个令牌的上限是每分钟 600 次请求。返回 429 时响应头里有 "
        "Retry-After，按这个秒数等待后重试即可。方便告诉我们使用的令牌名称吗？",
        follow_up="令牌名称是 sync-prod。我们会加上重试，但还是希望能调高一些。",
        note="sync-prod 每页只取 20 条，改为 per_page=100 后请求量会降到五分之一。",
        resolution="{first}，您好：\n\n建议把分页参数改为 per_page=100，请求次数会减少到原来的"
        "五分之一，就不会再触发限制了。",
        tags=("api", "rate-limit"),
        priority=Priority.high,
    ),
    Story(
        team=BILLING,
        subject="如何开具电子发票",
        body="您好，我们公司现在只接受电子发票，请问在哪里申请？需要提供哪些信息？",
        reply="{first}，您好：\n\n您可以在“账单 > 发票”页面直接申请电子发票。需要填写公司"
        "全称和纳税人识别号。请问是开普票还是专票？",
        follow_up="开普票就可以。",
        note="客户首次申请电子发票，已在账户上勾选默认电子发票。",
        resolution="{first}，您好：\n\n已为您的账户设置为默认开具电子普票，以后每期账单生成后"
        "会自动发送到您的邮箱。",
        tags=("发票",),
        priority=Priority.low,
    ),
    Story(
        team=SUPPORT,
        subject="导出的 Excel 文件中文乱码",
        body="导出客户列表后用 Excel 打开，中文全部变成乱码，用记事本打开是正常的。附件是导出"
        "的文件。",
        reply="{first}，您好：\n\n导出文件是 UTF-8 编码，Excel 双击打开时会按 GBK 识别。请在 "
        "Excel 中选择“数据 > 自文本/CSV”，文件原始格式选 UTF-8 即可正常显示。",
        follow_up="按这个方法可以了。能不能直接双击就正常？",
        note="已提需求：导出 CSV 时写入 BOM，方便 Excel 识别。",
        resolution="{first}，您好：\n\n新版本导出时已加入 BOM，Excel 双击打开也能正确显示中文了。",
        tags=("export", "乱码"),
        priority=Priority.low,
        sample=Sample("客户列表.csv", "text/csv", "姓名,城市\n张伟,北京\n王芳,上海\n".encode()),
    ),
    Story(
        team=BILLING,
        subject="续费后账户仍显示已过期",
        body="我们昨天已经通过对公转账续费了一年，但是系统里还是显示“订阅已过期”，部分同事"
        "已经无法登录。请尽快处理！",
        reply="{first}，您好：\n\n对公转账需要人工核对到账。请提供转账回单或银行流水号，我们"
        "马上为您确认。",
        follow_up="银行流水号是 20240{n}，金额 12,800 元。",
        note="财务确认款项已到账，手动延长订阅一年。",
        resolution="{first}，您好：\n\n款项已确认到账，订阅已延长一年，同事们现在都可以正常登录了。",
        tags=("payment", "续费"),
        priority=Priority.urgent,
    ),
    Story(
        team=SUPPORT,
        subject="收不到工单邮件通知",
        body="最近一周我们的客服都收不到新工单的邮件提醒了，垃圾邮件里也没有。设置没有动过。",
        reply="{first}，您好：\n\n请问贵公司的邮箱是企业微信邮箱还是自建的邮件服务器？我们"
        "这边看到发往 {domain} 的邮件被对方服务器拒收了。",
        follow_up="我们用的是自建的 Exchange，上周 IT 换了新的反垃圾网关。",
        note="对方新网关拒收我们的发信 IP，需要客户 IT 加白名单。",
        resolution="{first}，您好：\n\n请让贵公司 IT 把我们的发信地址 203.0.113.10 和 "
        "203.0.113.11 加入白名单，邮件通知就会恢复。",
        tags=("email", "通知"),
    ),
    Story(
        team=SUPPORT,
        subject="企业微信集成配置失败",
        body="按照文档配置企业微信集成，点击“测试连接”时提示“invalid corpid”。企业 ID 是从"
        "管理后台复制的，确认没有空格。",
        reply="{first}，您好：\n\n请确认填写的是“企业 ID”而不是“应用 AgentId”，另外需要在"
        "企业微信后台把我们的服务器 IP 加入可信 IP。",
        follow_up="企业 ID 没有问题，可信 IP 之前确实没加，现在加上了，还是同样的错误。",
        note="查日志发现客户填的 Secret 属于另一个应用，需要换成自建应用的 Secret。",
        resolution="{first}，您好：\n\n问题出在 Secret 上：填写的是另一个应用的 Secret。换成"
        "自建应用的 Secret 后即可测试通过。",
        tags=("integration", "企业微信"),
    ),
    Story(
        team=BILLING,
        subject="申请增加用户数的报价",
        body="您好，我们下个季度准备增加 30 个客服账号，想了解一下价格，是否有批量优惠？",
        reply="{first}，您好：\n\n感谢您的信任！30 个账号可以享受 85 折优惠。请问是按年付费"
        "还是按月付费？我们据此出具正式报价单。",
        follow_up="按年付费，报价单抬头写{company}。",
        note="年付 30 席位，85 折，报价单已请销售审批。",
        resolution="{first}，您好：\n\n正式报价单已发送到您的邮箱，有效期 30 天，确认后即可开通。",
        tags=("quote", "plan"),
        priority=Priority.low,
    ),
    Story(
        team=SUPPORT,
        subject="手机端上传附件失败",
        body="在安卓手机上回复工单时添加图片，一直提示“上传失败”，电脑上没有问题。手机型号"
        "小米 14，App 版本 3.2。",
        reply="{first}，您好：\n\n请问上传的图片大概多大？是直接拍照上传还是从相册选择？",
        follow_up="从相册选的，一张大概 15 MB。",
        note="安卓端压缩图片时内存不足，已复现，提交给移动端团队。",
        resolution="{first}，您好：\n\nApp 3.2.1 版本已修复大图片上传失败的问题，请在应用商店"
        "更新后再试。",
        tags=("mobile", "bug"),
    ),
)

LINES = Lines(
    locale="zh_CN",
    stories=STORIES,
    nudges=(
        "你好，请问这个问题有进展吗？",
        "麻烦尽快处理一下，我们这边比较着急，谢谢。",
        "请问今天能回复吗？",
    ),
    reopenings=(
        "不好意思，今天问题又出现了，麻烦再帮忙看一下。",
        "按照你们的方法处理后，过了两天又不行了。",
    ),
    hold_notes={
        SUPPORT: "已升级给研发（ENG-{n}），等待回复，先挂起。",
        BILLING: "等待财务审批，先挂起。",
    },
)
