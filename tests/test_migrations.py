"""The migrations build exactly the tables, columns and indexes the models describe, and each step of the chain
goes down (its tables gone) and up again."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, inspect, select, text
from sqlalchemy.orm import Session

import smartcustoms.models_registry  # noqa: F401  (registers every table)
from smartcustoms import migrate
from smartcustoms.db import Base, make_engine
from smartcustoms.demo import demo_rates_csv
from smartcustoms.ecommerce import officer
from smartcustoms.ecommerce.generate import jsonl_lines
from smartcustoms.ecommerce.intake import ingest
from smartcustoms.ecommerce.models import Consignment, Manifest
from smartcustoms.ecommerce.pipeline import Intake
from smartcustoms.ecommerce.split import consignee_key, split_key
from smartcustoms.identity import service as identity
from smartcustoms.reference import service as reference

# (revision, the revision before it, the tables it creates)
STEPS = [
    ("0003_ecommerce", "0002_risk_models",
     ("ecommerce_manifests", "ecommerce_consignments", "ecommerce_rejections", "ecommerce_repeats")),
    ("0004_watchlists", "0003_ecommerce", ("watchlist_versions", "watchlist_entries", "screening_records")),
    ("0005_exports", "0004_watchlists",
     ("export_declarations", "export_declaration_lines", "export_hits", "export_declaration_status_changes",
      "screening_false_positives")),
    ("0006_travellers", "0005_exports", ("passenger_declarations", "gate_decisions")),
    ("0007_payments", "0006_travellers",
     ("payment_orders", "payment_events", "payment_refunds", "payment_reconciliations", "mop_declarations",
      "mop_items")),
    ("0008_rates_valid_to", "0007_payments", ()),  # an index only: see the test below
    ("0009_split_key_integer", "0008_rates_valid_to", ()),  # a column's type: see the test below
    ("0010_ecommerce_group_totals", "0009_split_key_integer", ("ecommerce_group_totals",)),
    ("0011_ecommerce_open_list", "0010_ecommerce_group_totals", ()),  # an index only: see the test below
    ("0012_ecommerce_exempt_flag", "0011_ecommerce_open_list", ()),  # data only: see below
    ("0013_ecommerce_value_refs", "0012_ecommerce_exempt_flag", ("ecommerce_value_refs",)),
    ("0014_ecommerce_action_keys", "0013_ecommerce_value_refs", ("ecommerce_action_keys",)),
    ("0015_value_refs_seen", "0014_ecommerce_action_keys", ()),  # a column: see the test below
    ("0016_scheduled_runs", "0015_value_refs_seen", ("scheduled_runs",)),
    ("0017_ecommerce_manifest_keys", "0016_scheduled_runs", ("ecommerce_manifest_keys",)),
    ("0018_ecommerce_inspection", "0017_ecommerce_manifest_keys", ()),  # a column and an index: see below
    ("0019_ecommerce_split_partial", "0018_ecommerce_inspection", ()),  # a column and an index: see below
    ("0020_ecommerce_queue_partial", "0019_ecommerce_split_partial", ()),  # an index only: see below
    ("0021_ecommerce_queue_order", "0020_ecommerce_queue_partial", ()),  # an index only: see below
    ("0022_ecommerce_decided_index", "0021_ecommerce_queue_order", ()),  # an index only: see below
]


def test_every_revision_id_fits_the_version_table() -> None:
    """alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id (SQLite would not notice)."""
    from alembic.script import ScriptDirectory

    ids = [r.revision for r in ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()]
    assert STEPS[-1][0] in ids and all(len(i) <= 32 for i in ids), [i for i in ids if len(i) > 32]


def test_models_match_the_migrations(new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert {t.name for t in Base.metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(("revision", "previous", "tables"), STEPS, ids=[s[0] for s in STEPS])
def test_step_goes_down_and_up(new_database_url: Callable[[], str], revision: str, previous: str,
                               tables: tuple[str, ...]) -> None:
    engine = make_engine(new_database_url())
    try:
        migrate.upgrade(engine, revision)
        assert set(tables) <= set(inspect(engine).get_table_names())
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, previous)
        assert not set(tables) & set(inspect(engine).get_table_names())
        migrate.upgrade(engine)
        assert set(tables) <= set(inspect(engine).get_table_names())
        assert migrate.current(engine) == STEPS[-1][0]
    finally:
        engine.dispose()


def _index_goes_down_and_up(engine: Engine, table: str, index: str, previous: str, kept: str) -> None:
    """`index` is there at head, gone at `previous` (with `kept` still there) and back after the upgrade."""

    def indexes() -> set[str]:
        return {i["name"] for i in inspect(engine).get_indexes(table) if i["name"]}

    migrate.upgrade(engine)
    assert index in indexes()
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, previous)
    assert index not in indexes() and kept in indexes()
    migrate.upgrade(engine)
    assert index in indexes()


def test_the_open_list_index_goes_down_and_up_with_the_open_statuses_of_the_models(
        new_database_url: Callable[[], str]) -> None:
    from smartcustoms.ecommerce.models import OPEN_SQL

    engine = make_engine(new_database_url())
    try:
        _index_goes_down_and_up(engine, "ecommerce_consignments", "ix_ecommerce_consignments_open",
                                "0010_ecommerce_group_totals", "ix_ecommerce_consignments_list")
        if engine.dialect.name == "sqlite":  # the index's condition is the list's, word for word
            with engine.connect() as conn:
                sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = "
                                           "'ix_ecommerce_consignments_open'").scalar()
            assert str(sql).endswith(f"WHERE {OPEN_SQL}")
    finally:
        engine.dispose()


def test_the_rates_end_date_index_goes_down_and_up(new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())
    try:
        _index_goes_down_and_up(engine, "exchange_rates", "ix_exchange_rates_valid_to", "0007_payments",
                                "ix_exchange_rates_currency")
    finally:
        engine.dispose()


def test_split_keys_stored_before_0009_still_match_after_it(new_database_url: Callable[[], str],
                                                            tmp_path: Path) -> None:
    """A parcel stored with the hex key of 0008 is found by the split window of the integer keys, and the keys
    survive a downgrade and an upgrade."""
    engine = make_engine(new_database_url())
    seller, name, address = "SELLER-MIG", "Tanaka Ren", "4-5-6 Kita-ku, Osaka"
    raw = seller + "\x1f" + consignee_key(None, name, address)
    old_key = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()  # what 0008's code stored
    now = datetime.now(UTC)
    try:
        migrate.upgrade(engine, "0008_rates_valid_to")
        rates = tmp_path / "rates.csv"
        rates.write_text(demo_rates_csv(date.today()), "utf-8")
        with Session(engine) as s, s.begin():
            reference.load_rates(s, reference.parse_rates_csv(rates), actor="test")
            trader = identity.create_trader(s, "Carrier MIG", "CAR-MIG", "broker")
            s.add(Manifest(id="MOLD", submitter_id=trader.id, source="cli", format="jsonl", status="complete",
                           received_at=now, lines=1, accepted=1, rejected=0, repeats=0, lane1=1, lane2=0, lane3=0,
                           value_jpy=6000, duty_jpy=0, tax_jpy=0))
            sub = (trader.id, trader.code)
        table = Table("ecommerce_consignments", MetaData(), autoload_with=engine)  # 0008's columns
        with engine.begin() as conn:
            conn.execute(table.insert().values(
                id="MOLD-1", manifest_id="MOLD", line_no=1, submitter_id=sub[0], parcel_id="OLD-1", platform="Shop",
                seller_id=seller, seller_name="Split Co", seller_country="CN", mail_order=True,
                consignee_name=name, consignee_address=address, delivery_place="Osaka", personal_use=False,
                goods="[]", value_jpy=6000, dutiable_value_jpy=6000, duty_jpy=0, ct_national_jpy=0, ct_local_jpy=0,
                total_tax_jpy=0, exempt=True, lane=1, status="released", lane_reasons="[]", split_key=old_key,
                received_at=now))

        def stored() -> Any:
            with engine.connect() as conn:
                return conn.execute(text("SELECT split_key FROM ecommerce_consignments WHERE id = 'MOLD-1'")).scalar()

        migrate.upgrade(engine)
        assert stored() == split_key(seller, None, name, address)
        assert {i["name"] for i in inspect(engine).get_indexes("ecommerce_consignments")} >= {
            "ix_ecommerce_consignments_split", "ix_ecommerce_consignments_split_group"}
        # A new parcel of the same pair takes the group over ¥10,000 with the parcel stored before the upgrade.
        intake = Intake.open(engine, sub[0], sub[1], "jsonl", "cli")
        parcel = {"parcel_id": "NEW-1", "platform": "Shop", "mail_order": True, "personal_use": False,
                  "delivery_place": "Osaka", "seller": {"id": seller, "name": "Split Co", "country": "CN"},
                  "consignee": {"name": name, "address": address},
                  "goods": [{"description": "phone case", "hs_code": "392690", "quantity": 1, "value": "5000",
                             "currency": "JPY"}]}
        results: list[dict[str, Any]] = []
        ingest(engine, intake, [orjson.dumps(parcel) + b"\n"], "jsonl", results.extend)
        assert results[0]["split_group"] == "MOLD-1" and results[0]["lane"] == 2
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0008_rates_valid_to")
        assert stored() == old_key[:16]
        migrate.upgrade(engine)
        assert stored() == split_key(seller, None, name, address)
    finally:
        engine.dispose()


def _rated_carrier(engine: Engine, tmp_path: Path, code: str) -> int:
    """Migrate to head, load the demo's weekly rates and create a carrier; its id."""
    migrate.upgrade(engine)
    rates = tmp_path / "rates.csv"
    rates.write_text(demo_rates_csv(date.today()), "utf-8")
    with Session(engine) as s, s.begin():
        reference.load_rates(s, reference.parse_rates_csv(rates), actor="test")
        return identity.create_trader(s, f"Carrier {code}", code, "broker").id


def test_0010_fills_the_group_totals_from_the_consignments_stored(new_database_url: Callable[[], str],
                                                                  tmp_path: Path) -> None:
    """Consignments stored before the totals existed are counted in them once the upgrade has run."""
    engine = make_engine(new_database_url())
    try:
        trader_id = _rated_carrier(engine, tmp_path, "CAR-T10")
        intake = Intake.open(engine, trader_id, "CAR-T10", "jsonl", "cli")
        ingest(engine, intake, list(jsonl_lines(400, 3)), "jsonl", lambda _results: None)
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0009_split_key_integer")
        assert "ecommerce_group_totals" not in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        with Session(engine) as s:
            for kind in ("manifest", "platform", "seller"):
                kept = officer.groups(s, kind, {}, limit=10**6)
                assert kept and kept == officer.groups_counted(s, kind, {}, limit=10**6)
            assert sum(g.split_flagged for g in officer.groups(s, "seller", {}, limit=10**6)) > 0
            assert officer.totals(s) == officer.totals_counted(s)
    finally:
        engine.dispose()


def test_0012_marks_parcels_taxed_for_excluded_goods_not_exempt_and_back(new_database_url: Callable[[], str],
                                                                         tmp_path: Path) -> None:
    """Below 0012 a parcel within the threshold was exempt even with a leather bag taxed in it; 0012 marks it not
    exempt (the exempt parcel beside it and the taxed one above the threshold keep their flags), and its downgrade
    marks it exempt again."""
    engine = make_engine(new_database_url())
    try:
        trader_id = _rated_carrier(engine, tmp_path, "CAR-T12")

        def parcel(pid: str, hs: str, value: str) -> bytes:
            return orjson.dumps({
                "parcel_id": pid, "platform": "Shop", "mail_order": True, "personal_use": False,
                "delivery_place": "Osaka", "seller": {"id": f"S-{pid}", "name": "Bag Co", "country": "CN"},
                "consignee": {"name": "Tanaka Ren", "address": "4-5-6 Kita-ku, Osaka", "id": f"C-{pid}"},
                "goods": [{"description": "goods", "hs_code": hs, "quantity": 1, "value": value,
                           "currency": "JPY"}]}) + b"\n"

        intake = Intake.open(engine, trader_id, "CAR-T12", "jsonl", "cli")
        ingest(engine, intake, [parcel("BAG", "420221", "6000"), parcel("CASE", "392690", "6000"),
                                parcel("BIG", "392690", "60000")], "jsonl", lambda _results: None)

        def flags() -> dict[str, bool]:
            with engine.connect() as conn:
                return {p: bool(e) for p, e in conn.execute(text(
                    "SELECT parcel_id, exempt FROM ecommerce_consignments WHERE submitter_id = :t"), {"t": trader_id})}

        assert flags() == {"BAG": False, "CASE": True, "BIG": False}
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011_ecommerce_open_list")
        assert flags() == {"BAG": True, "CASE": True, "BIG": False}  # what 0011's intake stored
        migrate.upgrade(engine)
        assert flags() == {"BAG": False, "CASE": True, "BIG": False}
    finally:
        engine.dispose()


def test_0015_adds_the_lines_seen_and_bands_stored_before_keep_their_sample_size(
        new_database_url: Callable[[], str]) -> None:
    from smartcustoms.ecommerce import valueref_service

    engine = make_engine(new_database_url())
    try:
        migrate.upgrade(engine, "0014_ecommerce_action_keys")
        assert "seen" not in {c["name"] for c in inspect(engine).get_columns("ecommerce_value_refs")}
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO ecommerce_value_refs (hs6, unit, lines, median_log, spread, window_from, "
                              "window_to, computed_at) VALUES ('392690', 'PCE', 40, 6.5, 0.5, :d, :d, :t)"),
                         {"d": date(2026, 11, 1), "t": "2026-11-01 00:00:00+00:00"})
        migrate.upgrade(engine)
        with Session(engine) as s:
            band = valueref_service.load_bands(s)["392690:PCE"]
        assert (band.lines, band.seen, band.lines_seen) == (40, 0, 40)
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014_ecommerce_action_keys")
        assert "seen" not in {c["name"] for c in inspect(engine).get_columns("ecommerce_value_refs")}
    finally:
        engine.dispose()


def test_0018_adds_the_inspection_result_and_its_index_and_takes_them_back(
        new_database_url: Callable[[], str]) -> None:
    engine = make_engine(new_database_url())
    try:
        _index_goes_down_and_up(engine, "ecommerce_consignments", "ix_ecommerce_consignments_inspected",
                                "0017_ecommerce_manifest_keys", "ix_ecommerce_consignments_open")
        columns = {c["name"]: c for c in inspect(engine).get_columns("ecommerce_consignments")}
        assert columns["inspection_result"]["nullable"]
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0017_ecommerce_manifest_keys")
        assert "inspection_result" not in {c["name"] for c in inspect(engine).get_columns("ecommerce_consignments")}
        if engine.dialect.name == "sqlite":  # the column is dropped in place: the other indexes stay as they were
            with engine.connect() as conn:
                sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = "
                                           "'ix_ecommerce_consignments_open'").scalar()
            assert "lane DESC" in str(sql) and "WHERE status IN" in str(sql)
    finally:
        engine.dispose()


def _index_sql(engine: Engine, name: str) -> str:
    """An index's definition as the database states it (its columns and condition)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return str(conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar())
        return str(conn.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)).scalar())


def test_0019_clears_the_split_keys_above_the_exemption_and_makes_the_window_index_partial_and_back(
        new_database_url: Callable[[], str]) -> None:
    """Parcels stored at 0018 keep their split key within ¥10,000 and lose it above; the split window's index holds
    only the parcels with a key (and the other indexes stay as they were); downgrade gives the keyless parcels 0 and
    the whole index back, and the upgrade clears them again."""
    engine = make_engine(new_database_url())

    def index_sql() -> str:
        return _index_sql(engine, "ix_ecommerce_consignments_split")

    def keys() -> dict[str, Any]:
        with engine.connect() as conn:
            return dict(conn.exec_driver_sql("SELECT parcel_id, split_key FROM ecommerce_consignments").tuples().all())

    def nullable() -> bool:
        return bool({c["name"]: c for c in inspect(engine).get_columns("ecommerce_consignments")}["split_key"]
                    ["nullable"])

    try:
        migrate.upgrade(engine, "0018_ecommerce_inspection")
        now = datetime.now(UTC)
        with Session(engine) as s, s.begin():
            trader = identity.create_trader(s, "Carrier T19", "CAR-T19", "broker")
            s.add(Manifest(id="M19", submitter_id=trader.id, source="cli", format="jsonl", status="complete",
                           received_at=now, lines=2, accepted=2, rejected=0, repeats=0, lane1=2, lane2=0, lane3=0,
                           value_jpy=31000, duty_jpy=0, tax_jpy=0))
            trader_id = trader.id
        table = Table("ecommerce_consignments", MetaData(), autoload_with=engine)  # 0018's columns
        with engine.begin() as conn:
            for line, (pid, value, key) in enumerate((("LOW", 6000, 11), ("HIGH", 25000, -22)), start=1):
                conn.execute(table.insert().values(
                    id=f"M19-{line}", manifest_id="M19", line_no=line, submitter_id=trader_id, parcel_id=pid,
                    platform="Shop", seller_id="S19", seller_name="Split Co", seller_country="CN", mail_order=True,
                    consignee_name="Tanaka Ren", consignee_address="Osaka", delivery_place="Osaka",
                    personal_use=False, goods="[]", value_jpy=value, dutiable_value_jpy=value, duty_jpy=0,
                    ct_national_jpy=0, ct_local_jpy=0, total_tax_jpy=0, exempt=value <= 10000, lane=1,
                    status="released", lane_reasons="[]", split_key=key, received_at=now))
        assert not nullable() and "WHERE" not in index_sql()
        migrate.upgrade(engine)
        assert keys() == {"LOW": 11, "HIGH": None}
        assert nullable() and "split_key IS NOT NULL" in index_sql()
        if engine.dialect.name == "sqlite":  # the column is replaced in place: the other indexes stay as they were
            with engine.connect() as conn:
                sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = "
                                           "'ix_ecommerce_consignments_open'").scalar()
            assert "lane DESC" in str(sql) and "WHERE status IN" in str(sql)
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0018_ecommerce_inspection")
        assert keys() == {"LOW": 11, "HIGH": 0}
        assert not nullable() and "WHERE" not in index_sql()
        migrate.upgrade(engine)
        assert keys() == {"LOW": 11, "HIGH": None} and "split_key IS NOT NULL" in index_sql()
    finally:
        engine.dispose()


def test_0020_leaves_the_released_consignments_out_of_the_status_index_and_takes_them_back(
        new_database_url: Callable[[], str]) -> None:
    """The status index becomes partial over the open statuses (as the open list's, 0011), and whole again on
    downgrade."""
    engine = make_engine(new_database_url())

    def index_sql() -> str:
        return _index_sql(engine, "ix_ecommerce_consignments_queue")

    try:
        migrate.upgrade(engine, "0019_ecommerce_split_partial")
        assert "status" in index_sql() and "WHERE" not in index_sql()
        migrate.upgrade(engine)
        after = index_sql()
        assert "WHERE" in after and all(f"'{s}'" in after for s in ("review", "inspection", "inspection_ordered",
                                                                     "held")) and "'released'" not in after
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0019_ecommerce_split_partial")
        assert "status" in index_sql() and "WHERE" not in index_sql()
        migrate.upgrade(engine)
        assert index_sql() == after
    finally:
        engine.dispose()


def test_0021_puts_the_status_index_in_the_list_order_and_back(new_database_url: Callable[[], str]) -> None:
    """The status index (still over the open ones) takes the list order after the status, and its two columns back on
    downgrade; the seller index stays whole."""
    engine = make_engine(new_database_url())

    def index_sql() -> tuple[str, str]:
        return (_index_sql(engine, "ix_ecommerce_consignments_queue"),
                _index_sql(engine, "ix_ecommerce_consignments_seller_id"))

    try:
        migrate.upgrade(engine, "0020_ecommerce_queue_partial")
        before = index_sql()
        assert "received_at" not in before[0] and "WHERE" in before[0]
        migrate.upgrade(engine)
        after = index_sql()
        queue = after[0].replace('"', "").lower()
        assert "status, lane desc, received_at, id" in queue and "where" in queue and "'released'" not in queue
        assert after[1] == before[1] and "WHERE" not in after[1]
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0020_ecommerce_queue_partial")
        assert index_sql() == before
        migrate.upgrade(engine)
        assert index_sql() == after
    finally:
        engine.dispose()


def test_0022_indexes_the_parcels_officers_released_from_lanes_2_and_3_and_back(
        new_database_url: Callable[[], str], tmp_path: Path) -> None:
    """The index of the officers' releases from lanes 2 and 3 is built over the parcels already released (the
    released list of lane 2 reads them from it), dropped on downgrade and built again; the other indexes stay."""
    engine = make_engine(new_database_url())

    def index_sql() -> str:
        return _index_sql(engine, "ix_ecommerce_consignments_decided")

    try:
        trader_id = _rated_carrier(engine, tmp_path, "CAR-T22")
        intake = Intake.open(engine, trader_id, "CAR-T22", "jsonl", "cli")
        ingest(engine, intake, list(jsonl_lines(400, 3)), "jsonl", lambda _results: None)
        with Session(engine) as s, s.begin():
            review = list(s.scalars(select(Consignment.id).where(Consignment.status == "review")
                                    .order_by(Consignment.id).limit(5)))
            assert len(review) == 5
            assert officer.act(s, action="release", reason="fine", officer="officer:test", ids=review).done == 5
        after = index_sql()
        condition = re.sub(r'::text|[()"]', "", after).lower()  # PostgreSQL writes ((status)::text = …)
        assert "lane desc, received_at, id" in condition and "status = 'released'" in condition, after
        assert "lane > 1" in condition, after
        kept = ("ix_ecommerce_consignments_list", "ix_ecommerce_consignments_queue")
        others = [_index_sql(engine, name) for name in kept]
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0021_ecommerce_queue_order")
        assert index_sql() == "None"
        assert [_index_sql(engine, name) for name in kept] == others
        migrate.upgrade(engine)
        assert index_sql() == after
        with Session(engine) as s:
            assert officer.count(s, {"status": "released", "lane": "2"}) == 5
            rows, _ = officer.consignments_after(s, {"status": "released", "lane": "2"}, 50, None)
            assert sorted(r.id for r in rows) == sorted(review)
    finally:
        engine.dispose()
