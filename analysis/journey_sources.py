"""Publications behind the life-event (journey) assumptions and their calibration.

Each :class:`analysis.sources.Source` names the publication and, in ``detail``, the
figure taken from it. A journey assumption no publication gives is a 提案値 with its
reasoning (``analysis.journey_params``), never hidden.

>>> NARA_OKUYAMI.organisation
'デイリースポーツ'
"""

from __future__ import annotations

from analysis.sources import Source

NARA_OKUYAMI = Source(
    "半日かかっていた死亡手続きが40～50分に! 広がる自治体の「おくやみコーナー」…設置した奈良市に聞く",
    "デイリースポーツ", 2020, "https://daily.co.jp/society/life/2020/03/09/0013180132.shtml",
    "奈良市: 窓口ごとに番号札を取り直して半日 → おくやみコーナーで平均40～50分（短い人で30分）")
OMITAMA_OKUYAMI = Source(
    "広がる「お悔やみ窓口」 行政手続き集約 茨城県内18市町導入、遺族「便利」", "茨城新聞（nordot）",
    2023, "https://nordot.app/1050235430617972908",
    "小美玉市: 半日かかることも珍しくなかった → 約1時間～1時間半、庁舎内の移動が不要、"
    "遺族の約9割が利用")
GIFU_OKUYAMI = Source(
    "広がる「おくやみ窓口」 東海地方の市町村", "朝日新聞（asahitidings）", 2024,
    "https://asahitidings.com/society/19802.html",
    "岐阜市: 多いと20種類以上・各課10カ所以上、何度も同じことを書かされ半日がかり → "
    "1時間かからず（予約制）。松阪市: 死亡者の69%が利用")
BEPPU_OKUYAMI = Source(
    "1日じゃ終わらない! 死後の手続き（別府市・神戸市のおくやみコーナー）", "マネーポストWEB", None,
    "https://moneypost.jp/812254/2",
    "別府市: 最大13課69業務 → おくやみコーナーで約20分、各窓口を回ってもトータル約1時間")
BEPPU_WRITE_ONCE = Source(
    "広がる、おくやみコーナー（別府市役所総務課への取材）", "TBSラジオ「森本毅郎・スタンバイ!」",
    2021, "https://www.excite.co.jp/news/article/TBSRadio_47724",
    "入力するとすべての届出書に反映されて、書くことが一回で終わる（書かないワンストップの記入回数＝1）")
TAKAYAMA_OKUYAMI = Source(
    "家族の死後の手続き 役所の専用窓口で時短（高山市の試行）", "AERA dot.（朝日新聞出版）", 2020,
    "https://dot.asahi.com/wa/2020052900007.html",
    "高山市: 25の関係課の手続きを一つの窓口に集約し、待ち時間を最大約4割削減")
JOETSU_OKUYAMI = Source(
    "死亡時の手続き一つの窓口で 上越市役所に「おくやみコーナー」", "上越タウンジャーナル", 2023,
    "https://joetsucity.com/?p=10083",
    "最大15課の窓口を回っていた; 住所や氏名を書類に何度も書く必要; 2開庁日前までの予約制で"
    "書類に住所・氏名を印字")
KYOTO_NO_FORM = Source(
    "「書かない市役所・窓口」（京都市の支所でのモデル実施、公明新聞より）", "公明党 柏市議会議員 林伸司",
    2022, "https://www.komei.or.jp/km/kashiwa-hayashi-shinji/2022/09/09/",
    "京都市: 転入で転出証明書をOCRし異動票を作成、手続きに要した時間 7分 → 2分")
YOKOHAMA_KANAGAWA = Source(
    "横浜市神奈川区 戸籍課の窓口待ち時間を20分短縮", "週刊BCN", 2008,
    "https://www.weeklybcn.com/journal/explanation/detail/20080310_27423.html",
    "転入には住所移転や年金など複数の手続きが必要で、平均約1時間")
MIKI_NO_FORM = Source(
    "引越し時の[転入・転出・転居]手続きのデジタル化をスタート（三木市）", "日立システムズ", 2024,
    "https://www.hitachi-systems.com/case/government/24032/index.html",
    "タッチパネルで登録した転入の情報を医療保険課・子育て支援課など11課に即座に共有")
SAPPORO_PRE_RECEPTION_MAX = Source(
    "札幌市中央区 繁忙期の事前受付で最大待ち時間 約2時間→約40分", "HBC北海道放送", None,
    "http://topics.smt.docomo.ne.jp/article/hbc/region/hbc-0979db039efb82c0d7e54d1a05308397",
    "転入出等の繁忙期: 最大待ち時間 120分 → 40分（bpr_before_after_JP 20行）")
IWAMIZAWA_NO_FORM_VISIT = Source(
    "岩見沢市「書かない窓口」 証明書交付の窓口手続時間 18分→10分", "HBC北海道放送（TBS NEWS DIG）",
    None, "https://newsdig.tbs.co.jp/articles/-/229106", "証明書1件 18分 → 10分")
LOCAL_AUTONOMY_HOLIDAYS = Source(
    "地方自治法（昭和22年法律第67号）第4条の2（地方公共団体の休日）", "e-Gov法令検索（デジタル庁）",
    1947, "https://elaws.e-gov.go.jp/document?lawid=322AC0000000067",
    "日曜・土曜、国民の祝日、年末年始（12月29日～1月3日）を条例で休日と定める: 窓口の閉庁日")
NATIONAL_HOLIDAYS_LAW = Source(
    "国民の祝日に関する法律（昭和23年法律第178号）", "e-Gov法令検索（デジタル庁）", 1948,
    "https://elaws.e-gov.go.jp/document?lawid=323AC1000000178",
    "祝日・振替休日・国民の休日（`holidays` パッケージの日本の規則で計算）")
