"""Japanese institution words and their English renderings on the official lists (data; pure).

Organisations on the MOF and METI lists are translated, not transliterated (シリア商業銀行 = Commercial Bank of
Syria), so a Japanese organisation name also gets a form with these words in English. Only words of two or more
characters are replaced anywhere; the one-character suffixes (省, 庁, 局, 党, 軍 ...) only at the end of a name of
three or more characters, so personal names are left alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORDS: dict[str, str] = {
    "銀行": "bank", "商業": "commercial", "石油": "petroleum", "公社": "corporation", "会社": "company",
    "国防": "defence", "組織": "organization", "原子力": "atomic energy", "解放": "liberation", "戦線": "front",
    "人民": "people", "民族": "national", "国家": "national", "治安": "security", "安全": "security",
    "保安": "security", "取引": "marketing", "綿花": "cotton", "貿易": "trading", "運輸": "transport",
    "輸送": "transportation", "技術": "technology", "開発": "development", "研究所": "research institute",
    "研究": "research", "大学": "university", "工場": "plant", "航空機": "aircraft", "航空": "aviation",
    "製造": "manufacturing", "国営": "state", "科学": "science", "生産": "production", "協会": "society",
    "遺産": "heritage", "復興": "revival", "闘争": "fighting", "殉教者": "martyrs", "旅団": "brigade",
    "人道": "humanitarian", "労働者": "workers", "亜大陸": "subcontinent", "自称": "self proclaimed",
    "連合": "union", "総司令部": "general command", "国際": "international", "中央": "central", "機関": "agency",
    "委員会": "committee", "防衛": "defense", "産業": "industries", "工業": "industrial", "電子": "electronics",
    "機械": "machinery", "造船": "shipbuilding", "鉄道": "railway", "船舶": "shipping", "海運": "shipping",
    "金融": "finance", "投資": "investment", "保険": "insurance", "共和国": "republic", "朝鮮": "korea",
    "北朝鮮": "north korea", "統一": "unification", "宇宙": "space", "ミサイル": "missile", "核": "nuclear",
    "化学": "chemical", "物理": "physics", "電気": "electric", "通信": "communications", "設計": "design",
    "局": "bureau", "省": "ministry", "庁": "organization", "党": "party", "軍": "army", "派": "faction",
    "団": "group", "社": "company", "部": "department", "公団": "association", "学術": "scientific",
    "精密": "precision", "複合": "complex", "システム": "systems", "国営企業": "state enterprise",
    "企業": "enterprise", "合弁": "joint venture", "総局": "general bureau", "総合": "general",
    "革命": "revolutionary", "防衛隊": "guard", "革命防衛隊": "revolutionary guard corps", "海軍": "navy",
    "空軍": "air force", "陸軍": "army", "部隊": "forces", "特殊": "special", "作戦": "operations",
    "情報": "intelligence", "諜報": "intelligence", "兵器": "weapons", "武器": "arms", "弾薬": "munitions",
    "鉱業": "mining", "鉱山": "mining", "エネルギー": "energy", "発電": "power", "電力": "power",
    "イスラム": "islamic", "聖戦": "jihad", "戦士": "fighters", "運動": "movement", "解放軍": "liberation army",
    "財団": "foundation", "慈善": "charity", "基金": "fund", "支社": "branch", "支店": "branch",
    "事務所": "office", "本部": "headquarters", "国立": "national", "国有": "state", "輸出": "export",
    "輸入": "import", "建設": "construction", "装備": "equipment", "設備": "equipment", "管理": "administration",
}
# Katakana loanwords for company words, replaced when they form a whole ・-separated word.
LOANWORDS: dict[str, str] = {
    "コーポレーション": "corporation", "コーポ": "corp", "コープ": "corp", "カンパニー": "company",
    "リミテッド": "limited", "インク": "inc", "インコーポレイテッド": "incorporated", "エルエルシー": "llc",
    "インターナショナル": "international", "グループ": "group", "トレーディング": "trading", "センター": "center",
    "エナジー": "energy", "エネルギー": "energy", "バンク": "bank", "インダストリーズ": "industries",
    "インダストリー": "industry", "プライベート": "private", "ジョイント": "joint", "ベンチャー": "venture",
    "テクノロジー": "technology", "テクノロジーズ": "technologies", "エンタープライズ": "enterprise",
    "エンタープライゼズ": "enterprises", "ホールディングス": "holdings", "ホールディング": "holding",
    "サービス": "services", "サービシーズ": "services", "シッピング": "shipping", "ナショナル": "national",
    "ケミカル": "chemical", "エクイップメント": "equipment", "インポート": "import", "エクスポート": "export",
    "デパートメント": "department", "ファイナンス": "finance", "インベストメント": "investment",
    "エンジニアリング": "engineering", "マネジメント": "management", "オーガナイゼーション": "organisation",
    "オーガニゼーション": "organization", "アドミニストレーション": "administration", "アカデミー": "academy",
    "インスティテュート": "institute", "ユニバーシティ": "university", "ファクトリー": "factory",
    "プラント": "plant", "システムズ": "systems", "システム": "systems", "ソリューションズ": "solutions",
    "エレクトロニクス": "electronics", "ロジスティクス": "logistics", "マリン": "marine", "オイル": "oil",
    "ガス": "gas", "スチール": "steel", "メタル": "metal", "メタルズ": "metals", "ジェネラル": "general",
    "ユナイテッド": "united", "グローバル": "global", "ペトロリアム": "petroleum", "アビエーション": "aviation",
    "ヴィエーション": "aviation", "エアロスペース": "aerospace", "ディフェンス": "defence", "ミニストリー": "ministry",
    "コマーシャル": "commercial", "ミリタリー": "military", "サイエンス": "science", "リサーチ": "research",
    "ブランチ": "branch", "オフィス": "office", "ファンデーション": "foundation", "トラスト": "trust",
    "アソシエーション": "association", "ソサエティ": "society", "ユニオン": "union", "フロント": "front",
    "ムーブメント": "movement", "アーミー": "army", "ブリゲード": "brigade", "パーティー": "party",
}
# More general institution vocabulary (Russian, Belarusian, Iranian, Syrian and North Korean state bodies, as the
# Japanese lists translate them). Compounds first where the English does not follow the characters word by word.
WORDS.update({
    # state and federal bodies
    "連邦": "federal", "国家": "state", "国立": "state", "単一": "unitary", "統一企業": "unitary enterprise",
    "予算": "budgetary", "教育": "educational", "学術機関": "scientific institution",
    "教育機関": "educational institution",
    "研究機関": "research institution", "政府": "government", "内務": "internal affairs", "外務": "foreign affairs",
    "国防省": "ministry of defence", "国防部": "ministry of defence", "国防": "defence",
    "内務省": "ministry of interior",
    "情報省": "ministry of intelligence", "司令部": "command", "総参謀部": "general staff", "参謀": "staff",
    "警察": "police", "税関": "customs", "検察": "prosecutor", "裁判所": "court", "議会": "parliament",
    "大統領": "president", "行政": "administration", "当局": "authority", "公安": "public security",
    "保衛": "security", "偵察": "reconnaissance", "総局": "general bureau", "事務局": "secretariat",
    # kinds of organisation
    "設計局": "design bureau", "研究所": "research institute", "科学研究所": "scientific research institute",
    "研究センター": "research center", "科学センター": "scientific center", "技術センター": "technology center",
    "センター": "center", "アカデミー": "academy", "科学アカデミー": "academy of sciences", "学院": "institute",
    "大学": "university", "学校": "school", "工場": "plant", "製作所": "works", "製鉄所": "steel works",
    "造船所": "shipyard", "造船工場": "shipyard", "修理工場": "repair plant", "印刷所": "printing house",
    "商社": "trading house", "公社": "corporation", "公団": "association", "団体": "association", "協会": "association",
    "連盟": "federation", "組合": "union", "同盟": "alliance", "評議会": "council", "委員会": "committee",
    "基金": "fund", "財団": "foundation", "信託": "trust", "両替所": "money exchange", "両替": "exchange",
    "取引所": "exchange", "銀行": "bank", "中央銀行": "central bank", "持株": "holding", "持株会社": "holding company",
    "コンツェルン": "concern", "コンソーシアム": "consortium", "企業": "enterprise", "企業体": "enterprise",
    "合弁会社": "joint venture", "支部": "branch", "支社": "branch", "支店": "branch",
    "代表部": "representative office",
    "事務所": "office", "本社": "head office", "研究": "research", "設計": "design", "計画": "project",
    "経済特区": "special economic zone", "特区": "zone", "港": "port", "空港": "airport", "航空会社": "airlines",
    "船舶会社": "shipping company", "海運会社": "shipping company",
    # what they make or do
    "学術": "scientific", "生産": "production", "製造": "manufacturing", "機械建築": "machine building",
    "機械製造": "machine building", "機械工学": "mechanical engineering", "機械": "machinery",
    "電気機械": "electromechanical", "光学機械": "optical mechanical", "光学": "optical", "電子": "electronic",
    "電子工学": "electronic engineering", "無線": "radio", "無線電子": "radioelectronic", "電気": "electric",
    "電機": "electric", "電力": "power", "工学": "engineering", "技術": "technology", "科学技術": "science technology",
    "科学": "scientific", "物理": "physics", "物理学": "physics", "化学": "chemical", "材料": "materials",
    "製品": "products", "機器": "instruments", "計器": "instruments", "器具": "instruments", "装置": "apparatus",
    "制御": "control", "自動化": "automation", "自動": "automatic", "油圧": "hydraulics", "半導体": "semiconductor",
    "量子": "quantum", "継電器": "relay", "特別": "special", "特殊": "special", "民生": "civil", "民間": "private",
    "軍事": "military", "軍需": "military", "兵器": "weapons", "武器": "arms", "弾薬": "ammunition",
    "火薬": "powder", "爆薬": "explosives", "砲": "artillery", "戦車": "tank", "装甲": "armored", "ロケット": "rocket",
    "ミサイル": "missile", "戦術": "tactical", "戦略": "strategic", "航空機": "aircraft", "航空": "aviation",
    "ヘリコプター": "helicopter", "エンジン": "engine", "エンジン製造": "engine building", "自動車": "automobile",
    "トラクター": "tractor", "車両": "vehicles", "鉄鋼": "steel", "冶金": "metallurgical", "金属": "metal",
    "鋳造": "foundry", "鉱業": "mining", "鉱山": "mining", "石油": "oil", "石油化学": "petrochemical",
    "ガス": "gas", "天然ガス": "natural gas", "原子力": "atomic energy", "原子": "atomic", "核": "nuclear",
    "宇宙": "space", "海洋": "marine", "海上": "maritime", "船舶": "shipping", "造船": "shipbuilding",
    "輸送": "transport", "運輸": "transport", "物流": "logistics", "通信": "communications", "情報": "information",
    "情報技術": "information technology", "計算機": "computer", "精密": "precision", "高精度": "high precision",
    "複合体": "complex", "複合": "complex", "システム": "systems", "修理": "repair", "整備": "maintenance",
    "建設": "construction", "建築": "construction", "投資": "investment", "金融": "finance", "保険": "insurance",
    "貿易": "trading", "対外貿易": "foreign trade", "対外経済": "foreign economic", "対外": "foreign",
    "経済": "economic", "商業": "commercial", "商事": "trading", "輸出": "export", "輸入": "import",
    "供給": "supply", "調達": "procurement", "開発": "development", "革新": "innovation", "先端": "advanced",
    "応用": "applied", "分析": "analysis", "中央": "central", "総合": "general", "国際": "international",
    "全ロシア": "all russian", "北方": "northern", "南方": "southern", "東方": "eastern", "西方": "western",
    "北極": "arctic", "民族": "national", "国民": "national", "国民的": "national", "人民": "people",
    "共和国": "republic",
    "名称": "named after", "記念": "memorial", "周年": "anniversary", "戦勝": "victory", "自称": "self proclaimed",
    "イスラム国": "islamic state", "イスラム": "islamic", "運動": "movement", "抵抗": "resistance",
    "殉教者": "martyrs", "旅団": "brigade", "大隊": "battalion", "連隊": "regiment", "軍団": "corps",
    "戦線": "front", "解放": "liberation", "聖戦": "jihad", "戦士": "fighters", "支援": "support",
    "慈善": "charity", "救援": "relief", "人道": "humanitarian", "福祉": "welfare", "文化": "cultural",
    "青年": "youth", "愛国者": "patriot", "愛国": "patriotic", "児童": "children", "子供": "children",
    "宗教": "religious", "病院": "hospital", "医療": "medical", "農業": "agricultural", "食品": "food",
    "繊維": "textile", "印刷": "printing", "出版": "publishing", "放送": "broadcasting", "通信社": "news agency",
    "新聞": "newspaper", "報道": "media", "メディア": "media", "装輪": "wheel", "牽引車": "tractor",
    "価値観": "values", "擁護": "protection", "保護": "protection", "州": "province",
})
# More katakana loanwords of organisation names (English words as written in katakana).
LOANWORDS.update({
    "インターネット": "internet", "エージェンシー": "agency", "ニュース": "news", "メディア": "media",
    "スペシャル": "special", "パーパス": "purpose", "イスラミック": "islamic", "レジメント": "regiment",
    "エアクラフト": "aircraft", "エアライン": "airline", "エアラインズ": "airlines", "エアロ": "aero",
    "リーシング": "leasing", "カートリッジ": "cartridge", "プラザ": "plaza", "スター": "star", "リーダー": "leader",
    "サポーターズ": "supporters", "アーミー": "army", "エミグランツ": "emigrants", "ネットワーク": "network",
    "コミュニケーションズ": "communications", "テレコム": "telecom", "デジタル": "digital", "ソフトウェア": "software",
    "コンピューター": "computer", "コンピュータ": "computer", "エレクトリック": "electric", "エレクトロ": "electro",
    "マシナリー": "machinery", "マシン": "machine", "ツール": "tools", "ツールズ": "tools", "パーツ": "parts",
    "コンポーネンツ": "components", "マテリアルズ": "materials", "メディカル": "medical", "ファーマ": "pharma",
    "トランス": "trans", "トランスポート": "transport", "カーゴ": "cargo", "フレイト": "freight", "ライン": "line",
    "ラインズ": "lines", "ポート": "port", "オーシャン": "ocean", "シー": "sea", "ナビゲーション": "navigation",
    "タンカー": "tanker", "タンカーズ": "tankers", "ペトロ": "petro", "ペトロケミカル": "petrochemical",
    "マイニング": "mining", "ゴールド": "gold", "ダイヤモンド": "diamond", "アグロ": "agro", "フード": "food",
    "フーズ": "foods", "コンストラクション": "construction", "デベロップメント": "development", "キャピタル": "capital",
    "アセット": "asset", "アセッツ": "assets", "パートナーズ": "partners", "ベンチャーズ": "ventures",
    "コンサルティング": "consulting", "セキュリティ": "security", "ディフェンス": "defence", "ウェポン": "weapon",
    "ロケット": "rocket", "スペース": "space", "サテライト": "satellite", "ラボ": "lab", "ラボラトリー": "laboratory",
    "イノベーション": "innovation", "イノベーションズ": "innovations", "オートメーション": "automation",
    "インスツルメンツ": "instruments", "プロダクツ": "products", "プロダクション": "production", "ワークス": "works",
    "ワールド": "world", "ニュー": "new", "ファースト": "first", "ゴールデン": "golden", "ロイヤル": "royal",
    "スマート": "smart", "ハイテク": "hi tech", "テック": "tech", "ユニバーサル": "universal",
    "エクスプレス": "express",
    "ワン": "one", "プラス": "plus", "プロ": "pro", "インベスト": "invest", "ファンド": "fund",
    "キャピタルズ": "capitals", "ハウス": "house", "トレード": "trade", "マーケティング": "marketing",
    "ロジスティック": "logistic", "サプライ": "supply", "ディストリビューション": "distribution",
    "コンテナ": "container", "コンテナー": "container", "ターミナル": "terminal", "ホテル": "hotel",
    "リゾート": "resort", "モーターズ": "motors", "モーター": "motor", "ラジオ": "radio", "テレビ": "television",
})
# Katakana place names that organisation names carry as words (ロシア連邦, モスクワ ...).
PLACES: dict[str, str] = {
    "ロシア": "russia", "ロシア連邦": "russian federation", "ベラルーシ": "belarus", "ウクライナ": "ukraine",
    "クリミア": "crimea", "モスクワ": "moscow", "サンクトペテルブルク": "st petersburg", "シベリア": "siberia",
    "ウラル": "ural", "イラン": "iran", "イラク": "iraq", "シリア": "syria", "レバノン": "lebanon",
    "アフガニスタン": "afghanistan", "パキスタン": "pakistan", "アラブ": "arab", "アラビア": "arabian",
    "アフリカ": "africa", "アジア": "asia", "ヨーロッパ": "europe", "ユーラシア": "eurasia", "イエメン": "yemen",
    "リビア": "libya", "スーダン": "sudan", "ソマリア": "somalia", "コンゴ": "congo", "ミャンマー": "myanmar",
    "ベネズエラ": "venezuela", "キューバ": "cuba", "トルコ": "turkey", "アルメニア": "armenia", "グルジア": "georgia",
    "ジョージア": "georgia", "カザフスタン": "kazakhstan", "ウズベキスタン": "uzbekistan", "キルギス": "kyrgyzstan",
    "タジキスタン": "tajikistan", "オランダ": "netherlands", "ドイツ": "germany", "フランス": "france",
    "イギリス": "britain", "アメリカ": "america", "カナダ": "canada", "オーストラリア": "australia",
    "シンガポール": "singapore", "マレーシア": "malaysia", "インドネシア": "indonesia",
    "ベトナム": "vietnam", "インド": "india", "トルキスタン": "turkistan", "ホンコン": "hong kong", "ミンスク": "minsk",
    "西アフリカ": "west africa",
    "東アフリカ": "east africa", "北アフリカ": "north africa", "南アフリカ": "south africa", "中東": "middle east",
}
# Japanese legal forms, written as the English lists write them (all legal-form words to the matcher).
LEGAL: dict[str, str] = {
    "非公開株式会社": "cjsc", "閉鎖型株式会社": "cjsc", "公共株式会社": "pjsc", "公開株式会社": "ojsc",
    "開放型株式会社": "ojsc", "株式会社": "jsc", "有限責任会社": "llc", "有限会社": "llc", "合同会社": "llc",
    "合名会社": "company", "合資会社": "company", "股份有限公司": "ltd", "有限責任公司": "ltd", "有限公司": "ltd",
    "股份公司": "jsc", "公司": "company", "会社": "company", "（株）": "jsc", "(株)": "jsc", "㈱": "jsc",
    "（有）": "llc", "(有)": "llc", "㈲": "llc",
}
# Words the lists render in more than one way ("plant|factory"): a second translation uses the second rendering.
for _word, _alt in {"工場": "plant|factory", "学術": "scientific|research", "機械": "machinery|mechanical",
                    "国家": "state|national", "国立": "state|national", "石油": "oil|petroleum",
                    "造船所": "shipyard|shipbuilding plant", "技術": "technology|technical",
                    "科学": "scientific|science", "研究": "research|scientific",
                    "製造": "manufacturing|production"}.items():
    WORDS[_word] = _alt

_SUFFIX_ONLY = {w for w in WORDS if len(w) == 1}
# Kanji words (katakana words are looked up whole, by _katakana, so that no name loses a katakana part).
_MULTI = sorted((w for w in WORDS if len(w) > 1 and re.search(r"[\u4e00-\u9fff]", w)), key=len, reverse=True)
_MULTI_RE = re.compile("|".join(re.escape(w) for w in _MULTI))
_LEGAL_RE = re.compile("|".join(re.escape(w) for w in sorted(LEGAL, key=len, reverse=True)))
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KANA = re.compile(r"[\u30a0-\u30ff]")
_ORDINAL = re.compile(r"第(?=\s*\d)")  # 第810工場: No. 810
_KATA_RUN = re.compile(r"([\u30a0-\u30ff]+)")
# Words written in katakana and kanji together (イスラム国, 西アフリカ): replaced before either script's words.
_MIXED = {w: e for w, e in {**WORDS, **PLACES}.items() if _KANA.search(w) and _CJK.search(w)}
_MIXED_RE = re.compile(r"(?<![\u30a0-\u30ff])(?:" + "|".join(
    re.escape(w) for w in sorted(_MIXED, key=len, reverse=True)) + ")")
_KATA_WORDS = {**LOANWORDS, **PLACES, **{w: e for w, e in WORDS.items() if _KANA.fullmatch(w[0])}}
_KATA_LONGEST = max(len(w) for w in _KATA_WORDS)


def _katakana(run: str) -> str:
    """A katakana run: a known word, or known words written together (ロシアヘリコプター), else left as it is."""
    if run in _KATA_WORDS:
        return f" {_KATA_WORDS[run]} "
    out: list[str] = []
    i = 0
    while i < len(run):
        for j in range(min(len(run), i + _KATA_LONGEST), i + 1, -1):
            if run[i:j] in _KATA_WORDS:
                out.append(_KATA_WORDS[run[i:j]])
                i = j
                break
        else:
            return _katakana_suffix(run)
    return f" {' '.join(out)} "


def _katakana_suffix(run: str) -> str:
    """A name written together with the kind of organisation after it (アルファバンク, a bank called Alfa): the
    kind in English, the name left to be romanised."""
    for k in range(2, len(run) - 2):
        tail = run[k:]
        if tail in LOANWORDS and len(tail) >= 3:
            return f" {run[:k]} {LOANWORDS[tail]} "
    return run


def _render(english: str, second: bool) -> str:
    first, _, other = english.partition("|")
    return f" {other if second and other else first} "


def _translation(text: str, second: bool) -> str:
    out = _LEGAL_RE.sub(lambda m: f" {LEGAL[m.group(0)]} ", _ORDINAL.sub(" ", text))
    out = _MIXED_RE.sub(lambda m: _render(_MIXED[m.group(0)], second), out)
    words = re.split(r"([・･\s　「」『』“”\"]+)", out)
    out = "".join(_KATA_RUN.sub(lambda m: _katakana(m.group(0)), w) for w in words)
    out = _MULTI_RE.sub(lambda m: _render(WORDS[m.group(0)], second), out)
    stripped = out.rstrip()
    if stripped and stripped[-1] in _SUFFIX_ONLY and len(text.strip()) >= 3:
        out = stripped[:-1] + _render(WORDS[stripped[-1]], second)
    return " ".join(w for w in out.split() if w not in ("・", "･"))


@lru_cache(maxsize=20000)
def translations(text: str) -> tuple[str, ...]:
    """The name with institution words in English (a second rendering where a word has two); () when nothing is."""
    if not _CJK.search(text) and not _KANA.search(text):
        return ()
    first = _translation(text, False)
    if first == " ".join(text.split()) or not re.search(r"[a-z]", first):
        return ()
    second = _translation(text, True)
    return (first, second) if second != first else (first,)


def translate(text: str) -> str | None:
    """The name with institution words in English, or None when there is nothing to translate."""
    found = translations(text)
    return found[0] if found else None


# Russian institution words as the lists transliterate them (Nauchno Proizvodstvennoe Predpriyatie, Zavod): the
# same institutions are translated elsewhere (Scientific Production Enterprise, Plant), and the Japanese lists
# translate them too, so Latin names get these words in English. Stems, with the endings Russian adjectives and
# nouns take in the usual transliterations (-ii, -iy, -yi, -oe, -oye, -aya, -ogo, -ykh ...).
RUSSIAN_STEMS: dict[str, str] = {
    "zavod": "plant", "kombinat": "plant", "nauchn": "scientific", "nauchno": "scientific",
    "issledovatelsk": "research", "proizvodstvenn": "production", "predpriyati": "enterprise",
    "predpriiati": "enterprise", "obedineni": "association", "obyedineni": "association",
    "konstruktorsk": "design", "proektn": "project", "proektno": "project", "byuro": "bureau", "biuro": "bureau",
    "gosudarstvenn": "state", "federaln": "federal", "spetsialn": "special", "spetsializirovann": "special",
    "mekhanichesk": "mechanical", "mechanichesk": "mechanical", "elektromekhanichesk": "electromechanical",
    "elektromechanichesk": "electromechanical", "optiko": "optical", "optichesk": "optical",
    "pribor": "instruments", "priborov": "instruments", "sredstv": "instruments", "upravleni": "control",
    "mashinostroitelsk": "machine building", "mashinostroitel": "machine building",
    "mashinostroeni": "machine building", "priborostroitelsk": "instrument making",
    "priborostroitel": "instrument making", "sudostroitelsk": "shipbuilding", "sudostroitel": "shipbuilding",
    "sudoremontn": "ship repair", "aviatsionn": "aviation", "aviastroitelsk": "aircraft building",
    "aviastroitel": "aircraft building", "remontn": "repair", "porokhov": "powder", "liteyn": "foundry",
    "liteino": "foundry", "liteyno": "foundry", "metallokeramichesk": "metal ceramic", "khimichesk": "chemical",
    "elektronn": "electronic", "radiotekhnichesk": "radio engineering", "tekhnologi": "technology",
    "tekhnologichesk": "technology", "tekhnik": "technology", "vychislitel": "computer",
    "vychislitelnoi": "computer", "vychislitelnykh": "computer", "tsentr": "center", "tsentraln": "central",
    "institut": "institute", "korporatsi": "corporation", "kontsern": "concern", "kompani": "company",
    "material": "materials", "materialov": "materials", "morsk": "marine", "oboronn": "defence",
    "yadern": "nuclear", "raketn": "rocket", "kosmichesk": "space", "rossiisk": "russian", "rossiysk": "russian",
    "vserossiisk": "all russian", "vserossiysk": "all russian", "vserossisk": "all russian",
    "eksperimentaln": "experimental", "opytn": "experimental", "energetichesk": "energy", "neftyan": "oil",
    "avtomobiln": "automobile", "traktorn": "tractor", "kolesn": "wheel", "sistem": "systems",
}
_RU_ENDINGS = ("", "a", "o", "y", "i", "e", "u", "ii", "iy", "iyy", "yi", "yy", "ij", "yj", "oe", "oye", "aya",
               "aia", "ogo", "ykh", "ikh", "ye", "ie", "iya", "ia", "yu", "iu", "om", "ym", "im", "ov", "oi", "oy",
               "ei", "ey", "yye", "iye", "iyu", "ami", "akh", "s", "es",
               "nyi", "nyy", "ny", "naya", "noe", "noye", "nogo", "nykh", "nye", "nyie", "nii", "niy")
_RU_RE = re.compile("^(" + "|".join(sorted(RUSSIAN_STEMS, key=len, reverse=True)) + ")("
                    + "|".join(sorted(_RU_ENDINGS, key=len, reverse=True)) + ")$")


@lru_cache(maxsize=100_000)
def russian_in_english(token: str) -> tuple[str, ...] | None:
    """English for a transliterated Russian institution word (zavod -> plant, nauchno -> scientific), else None."""
    if len(token) < 4:
        return None
    m = _RU_RE.match(token)
    return tuple(RUSSIAN_STEMS[m.group(1)].split()) if m else None
