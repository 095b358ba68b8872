"""Publications the default assumptions rest on, as data the report and the app can print.

A :class:`Source` names the publication (title, organisation, year, URL) and, in
``detail``, the figure taken from it. Assumptions that no publication gives are marked
提案値 (:data:`PROPOSAL`) with the reasoning next to them, never hidden.

>>> IWAMIZAWA_NO_FORM.cite()[:19]
'HBC北海道放送（TBS NEWS DIG）'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A publication. ``year`` is the year of publication (None when the page gives none)."""

    title: str
    organisation: str
    year: int | None
    url: str
    detail: str = ""

    def cite(self, lang: str = "ja") -> str:
        """One line for a report: organisation, title, year, URL, then the figure used."""
        year = (f"{self.year}年" if lang == "ja" else str(self.year)) if self.year else (
            "発行年不明" if lang == "ja" else "n.d.")
        text = f"{self.organisation}「{self.title}」（{year}）{self.url}"
        return f"{text} — {self.detail}" if self.detail else text

    def short(self, url: bool = True) -> str:
        """Organisation and year (and URL): enough to find the publication in the list of
        sources (:meth:`cite`)."""
        year = f"{self.year}" if self.year else "n.d."
        return f"{self.organisation}（{year}）" + (self.url if url else "")

    def with_detail(self, detail: str) -> Source:
        return Source(self.title, self.organisation, self.year, self.url, detail)


PROPOSAL = "提案値"

# --- before/after figures of Japanese municipalities (issue 9 calibration set) -----------

IWAMIZAWA_NO_FORM = Source(
    "岩見沢市「書かない窓口」 証明書交付の窓口手続時間 18分→10分", "HBC北海道放送",
    None, "https://newsdig.tbs.co.jp/articles/-/229106")
IBARAKI_RPA = Source("茨城県 RPA実証 4業務で年間作業時間86.2%減", "FNNプライムオンライン", None,
                     "https://www.fnn.jp/posts/00382510HDK")
TSUKUBA_RPA = Source("つくば市 RPA実証（市民税課5業務 79.2%減、異動届受理通知 83.3%減）",
                     "節約社長", None, "https://setsuyaku.ceo/post/3180/")
NANTO_RPA = Source("南砺市 RPA導入事例（入力作業中心の4業務で約56%削減）", "自治体通信", None,
                   "https://www.jt-tsushin.jp/article/casestudy_RPA-dounyuu")
KUJI_OCR = Source("久慈市 AI-OCR・RPA実証（ふるさと納税78%減、収納転記は8.3倍、アンケート83%減）",
                  "ZDNet Japan", None, "https://japan.zdnet.com/article/35153196/")
KITAKAMI_RPA = Source("北上市 RPA・AI-OCR実証実験の結果", "北上市", None,
                      "https://www.city.kitakami.iwate.jp/life/shisei/sogoseisaku/ict/rpa/15432.html")
MEGURO_OCR = Source("目黒区 AI-OCR・RPA実証（保育施設運営費90%以上、研修評価シート30%以上削減）",
                    "IT Leaders", None, "https://it.impress.co.jp/articles/-/18456")
TOKYO_RPA = Source("東京都 RPA 29業務（うち25業務で縮減、平均縮減率66.8%）", "RPA HACK",
                   None, "https://media-rpa.com/rpa%E2%80%97smartmunicipality/")
UKI_POTENTIAL = Source("宇城市 業務棚卸とRPA等による効率化可能時間 22,654時間（棚卸業務の約17%）",
                       "市議会議員ブログ（二次資料）", None,
                       "https://watanabekenjiro.hateblo.jp/entry/78812746")
TOKAI_3_SECTIONS = Source("東海村・日立システムズ 業務量調査とBPR（3課で実労働時間の4.1%削減見込み）",
                          "DXジャーナル", 2022, "https://dxj.info/news/220321-hitachisystems")
TOKAI_WHOLE_OFFICE = Source(
    "東海村におけるBPR手法構築の取り組み（全庁約364,000時間、削減案12,680時間、実行5,014時間）",
    "行政情報システム研究所", 2024,
    "https://www.iais.or.jp/ais_online/online-articles/20240301/202403_02/")
KORIYAMA = Source("郡山市 業務量調査と業務標準ガイドライン", "自治体DX ツールボックス", 2025,
                  "https://www.gov-toolbox.jp/caseitems/kooriyama2025")
KAKOGAWA_SEALS = Source("加古川市 押印見直し（申請書等2,575種類中1,569種類が廃止可能）", "播磨mania",
                        None, "https://harimania.com/news/hanko-inkan-haishi")
SAPPORO_PRE_RECEPTION = Source("札幌市中央区 繁忙期の事前受付で最大待ち時間 約2時間→約40分",
                               "HBC北海道放送", None,
                               "http://topics.smt.docomo.ne.jp/article/hbc/region/"
                               "hbc-0979db039efb82c0d7e54d1a05308397")
MITAKA_CASHLESS = Source("三鷹市 キャッシュレス決済とセミセルフレジ（1人当たり約1分短縮）",
                         "KOTSL", None, "http://www.kot-sl.jp/dx-cases/?id=275")
NATIONAL_ONLINE_2015 = Source("地方公共団体におけるオンライン利用促進対象手続の利用状況（FY2014 47.1% → "
                              "FY2015 49.1%）", "総務省", None,
                              "https://expydoc.com/doc/12082888/")
NATIONAL_ONLINE_2018 = Source("令和2年版 情報通信白書（地方公共団体のオンライン利用促進対象手続の"
                              "オンライン利用率 52.6%、FY2018）", "総務省", 2020,
                              "https://www.soumu.go.jp/johotsusintokei/whitepaper/ja/r02/text/"
                              "nd252620.txt")

# --- other publications ------------------------------------------------------------------

INVENTORY = Source(
    "行政手続等の悉皆調査結果（令和6年度調査）", "デジタル庁", 2025,
    "https://www.digital.go.jp/resources/procedures-survey-results",
    "市町村に提出する申請手続のうちオンライン化済みで件数のある142手続（学習用1,599行）: "
    "オンライン件数/総件数の中央値0.5%、件数加重4.3%、平均41%、0%が48%。"
    "「行政手続等の悉皆調査結果」（デジタル庁）を加工して作成（PDL1.0）")
MYNUMBER_CARD = Source("マイナンバーカードの交付状況", "総務省", 2023,
                       "https://www.soumu.go.jp/kojinbango_card/kofujokyo.html",
                       "保有率 75.0%（2023年）: オンライン申請の利用の上限")
WORKING_HOURS_LAW = Source(
    "一般職の職員の勤務時間、休暇等に関する法律（平成6年法律第33号）第5条", "e-Gov法令検索（デジタル庁）",
    1994, "https://elaws.e-gov.go.jp/document?lawid=406AC0000000033",
    "1日7時間45分・週38時間45分。市町村の「職員の勤務時間、休日及び休暇に関する条例」も"
    "地方公務員法第24条（国の職員との権衡）によりこれに準じる")
