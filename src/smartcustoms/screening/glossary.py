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
_SUFFIX_ONLY = {w for w in WORDS if len(w) == 1}
_MULTI = sorted((w for w in WORDS if len(w) > 1), key=len, reverse=True)
_MULTI_RE = re.compile("|".join(re.escape(w) for w in _MULTI))
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KANA = re.compile(r"[\u30a0-\u30ff]")


@lru_cache(maxsize=20000)
def translate(text: str) -> str | None:
    """The name with institution words in English, or None when there is nothing to translate."""
    if not _CJK.search(text) and not _KANA.search(text):
        return None
    words = re.split(r"([・･\s　]+)", text)
    out = "".join(f" {LOANWORDS[w]} " if w in LOANWORDS else w for w in words)
    out = _MULTI_RE.sub(lambda m: f" {WORDS[m.group(0)]} ", out)
    stripped = out.rstrip()
    if stripped and stripped[-1] in _SUFFIX_ONLY and len(text.strip()) >= 3:
        out = stripped[:-1] + f" {WORDS[stripped[-1]]}"
    if out == text:
        return None
    return " ".join(out.split())
