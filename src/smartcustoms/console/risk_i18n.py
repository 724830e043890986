"""Labels of the officer risk lists in Japanese and English, merged over the console's own labels at render time."""

from __future__ import annotations

from smartcustoms.console import i18n

EN: dict[str, str] = {
    "rl.nav": "Risk lists",
    "rl.audit.title": "Post-clearance audit candidates",
    "rl.audit.intro": (
        "Importers ranked by expected recoverable duty and tax: for each released declaration in the period, the "
        "risk score (or the importer's discrepancy rate where there is no score) times the duty and tax at stake, "
        "plus the duty and tax already recovered after inspections."
    ),
    "rl.audit.chart": "Expected recoverable duty and tax, top importers",
    "rl.under.title": "Undervaluation signals",
    "rl.under.intro": (
        "Declared lines whose unit value lies far below the reference band of other declarations with the same HS "
        "code and origin (median and robust spread of unit values over the period and the year before). "
    ),
    "rl.under.not_revaluation": (
        "A signal for the officer to look at, never a revaluation: the customs value is decided under the Customs "
        "Tariff Act on the facts of the transaction, not by this statistic."
    ),
    "rl.under.chart": "Unit value as a share of the reference median, lowest lines",
    "rl.under.min_reference": "Lines with fewer than {n} reference lines get no verdict.",
    "rl.insp.title": "On-site inspection candidates",
    "rl.insp.intro": "Open declarations (not released or rejected) ranked by risk score × duty and tax at stake.",
    "rl.insp.chart": "Priority (score × duty and tax), top declarations",
    "rl.filter": "Period",
    "rl.start": "From",
    "rl.end": "To",
    "rl.apply": "Show",
    "rl.csv": "Download CSV",
    "rl.showing": "{shown} of {total} rows",
    "rl.empty": "Nothing on this list for the period.",
    "rl.bad_period": "Give the period as two dates (YYYY-MM-DD), the first not after the second, at most 5 years.",
    "rl.col.rank": "Rank",
    "rl.col.importer": "Importer",
    "rl.col.expected": "Expected recoverable (¥)",
    "rl.col.at_stake": "Duty and tax at stake, released (¥)",
    "rl.col.declarations": "Declarations",
    "rl.col.inspections": "Inspections",
    "rl.col.discrepancy_rate": "Discrepancy rate",
    "rl.col.recovered": "Recovered (¥)",
    "rl.col.last": "Last declared",
    "rl.col.declaration": "Declaration",
    "rl.col.line": "Line",
    "rl.col.declared_on": "Declared on",
    "rl.col.hs6": "HS6",
    "rl.col.origin": "Origin",
    "rl.col.description": "Description",
    "rl.col.unit_value": "Unit value (¥)",
    "rl.col.basis": "per",
    "rl.col.median": "Reference median (¥)",
    "rl.col.band_lower": "Band lower edge (¥)",
    "rl.col.reference_n": "Reference lines",
    "rl.col.ratio": "Share of median",
    "rl.col.z": "Robust z",
    "rl.col.value": "Declared value (¥)",
    "rl.col.lane": "Lane",
    "rl.col.status": "Status",
    "rl.col.score": "Score",
    "rl.col.duty_tax": "Duty and tax (¥)",
    "rl.col.customs_value": "Customs value (¥)",
    "rl.col.priority": "Priority (¥)",
}

JA: dict[str, str] = {
    "rl.nav": "リスク一覧",
    "rl.audit.title": "事後調査の候補",
    "rl.audit.intro": (
        "回収が見込まれる関税・消費税の額の順に輸入者を並べます。期間内に輸入許可された申告ごとに、リスクスコア"
        "（スコアがない場合は輸入者の相違率）に関税・消費税の額を掛けた合計に、検査で追徴した税額を加えた値です。"
    ),
    "rl.audit.chart": "回収見込額（関税・消費税）上位の輸入者",
    "rl.under.title": "低価申告の兆候",
    "rl.under.intro": (
        "同じHSコード・原産地の他の申告（期間とその前の1年）の単価の中央値とばらつき（頑健な推定）から求めた"
        "参照帯を大きく下回る単価の申告欄です。"
    ),
    "rl.under.not_revaluation": (
        "審査官が確認するための兆候であり、課税価格の更正ではありません。課税価格は関税定率法に基づき取引の事実"
        "によって決定され、この統計によって決まるものではありません。"
    ),
    "rl.under.chart": "単価の参照中央値に対する割合（低い欄）",
    "rl.under.min_reference": "参照する欄が{n}未満の場合は判定しません。",
    "rl.insp.title": "現場検査の候補",
    "rl.insp.intro": "未処理の申告（許可・不許可前）をリスクスコア×関税・消費税の額の順に並べます。",
    "rl.insp.chart": "優先度（スコア×関税・消費税）上位の申告",
    "rl.filter": "期間",
    "rl.start": "開始日",
    "rl.end": "終了日",
    "rl.apply": "表示",
    "rl.csv": "CSVをダウンロード",
    "rl.showing": "{total}件中 {shown}件を表示",
    "rl.empty": "この期間に該当するものはありません。",
    "rl.bad_period": "期間は2つの日付（YYYY-MM-DD）で、開始日が終了日以前、5年以内で指定してください。",
    "rl.col.rank": "順位",
    "rl.col.importer": "輸入者",
    "rl.col.expected": "回収見込額（円）",
    "rl.col.at_stake": "許可済み申告の関税・消費税（円）",
    "rl.col.declarations": "申告件数",
    "rl.col.inspections": "検査件数",
    "rl.col.discrepancy_rate": "相違率",
    "rl.col.recovered": "追徴税額（円）",
    "rl.col.last": "最終申告日",
    "rl.col.declaration": "申告番号",
    "rl.col.line": "欄",
    "rl.col.declared_on": "申告日",
    "rl.col.hs6": "HSコード（6桁）",
    "rl.col.origin": "原産地",
    "rl.col.description": "品名",
    "rl.col.unit_value": "単価（円）",
    "rl.col.basis": "単位",
    "rl.col.median": "参照中央値（円）",
    "rl.col.band_lower": "参照帯の下限（円）",
    "rl.col.reference_n": "参照欄数",
    "rl.col.ratio": "中央値に対する割合",
    "rl.col.z": "頑健zスコア",
    "rl.col.value": "申告価格（円）",
    "rl.col.lane": "審査区分",
    "rl.col.status": "ステータス",
    "rl.col.score": "スコア",
    "rl.col.duty_tax": "関税・消費税（円）",
    "rl.col.customs_value": "課税価格（円）",
    "rl.col.priority": "優先度（円）",
}

MESSAGES: dict[str, dict[str, str]] = {"en": EN, "ja": JA}


# A risk-list label in the language (English if missing), else the console's own label for the key.
translate = i18n.layered(MESSAGES)
