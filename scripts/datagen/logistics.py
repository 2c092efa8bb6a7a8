"""The logistics domain's inputs: carriers, shipments of the orders domain's orders, carrier tracking events.

Dirt that silver must clean: carrier codes with stray case/whitespace, shipments re-sent with a new
promised date (latest wins), tracking events arriving late and out of order (status must follow the event
time, not arrival), duplicate events, mixed-case event types, timestamps in mixed time zones.
"""

from __future__ import annotations

from datagen.engine import END, Sizes, with_exact_duplicates
from datagen.output import Writer

CARRIERS = """
    select * from (values
        (1, 'DHL', 'DHL Parcel', 'standard', 'DE'),
        (2, 'UPS', 'UPS', 'express', 'US'),
        (3, 'DPD', 'DPD', 'standard', 'DE'),
        (4, 'GLS', 'GLS', 'economy', 'NL'),
        (5, 'RM', 'Royal Mail', 'standard', 'GB'),
        (6, 'FDX', 'FedEx', 'express', 'US'),
        (7, 'PNL', 'PostNL', 'economy', 'NL'),
        (8, 'COL', 'Colissimo', 'standard', 'FR')
    ) t(carrier_id, carrier_code, carrier_name, service_level, country_code)
"""
CARRIER_COUNT = 8
CARRIER_SHARES = (0.30, 0.16, 0.14, 0.11, 0.10, 0.08, 0.06, 0.05)  # by carrier_id, summing to 1


def _weighted_carrier(key: str) -> str:
    bounds, total = [], 0.0
    for carrier, share in enumerate(CARRIER_SHARES[:-1], start=1):
        total += share
        bounds.append(f"when u({key}, 'carrier') < {total:.2f} then {carrier}")
    return f"case {' '.join(bounds)} else {CARRIER_COUNT} end"


def write(sizes: Sizes, out: Writer) -> None:
    del sizes  # logistics derives its volume from the orders truth table
    carriers = f"""
        with base as ({CARRIERS}),
        versions as (
            select *, 1 as version, timestamp '2023-01-01' as updated_ts from base
            union all
            -- DPD rebranded mid-2025
            select * replace ('DPD Group' as carrier_name), 2, timestamp '2025-06-01 08:00:00'
            from base where carrier_id = 3
        )
        select carrier_id,
               case when carrier_id in (4, 7) then ' ' || lower(carrier_code) else carrier_code end
                   as carrier_code,
               carrier_name, service_level, country_code,
               ts_text(updated_ts, carrier_id * 10 + version, 'car_fmt') as updated_at,
               updated_ts + interval 1 hour as _loaded_at
        from versions
        order by carrier_id, version
    """
    out.table("logistics", "carriers", carriers)

    out.con.execute(f"""
        create or replace temp table t_shipments as
        with split as (
            select o.*, unnest(range(1, case when u(order_id, 'split') < 0.05 then 3 else 2 end)) as parcel
            from t_orders o where shipped_ts is not null
        )
        select order_id * 10 + parcel as shipment_id,
               order_id,
               -- carriers' shares differ: DHL 30%, UPS 16%, DPD 14%, GLS 11%, Royal Mail 10%, ...
               {_weighted_carrier("order_id * 10 + parcel")} as carrier_id,
               pick(order_id * 10 + parcel, 'warehouse', ['AMS1','BER2','LON1','NYC3']) as warehouse_code,
               shipped_ts + to_minutes(parcel * 37) as shipped_ts,
               cast(shipped_ts + to_days(ri(order_id * 10 + parcel, 'promise', 2, 5)) as date)
                   as promised_date,
               case when delivered_ts is not null then delivered_ts + to_minutes(parcel * 53) end
                   as delivered_ts,
               u(order_id * 10 + parcel, 'returned') < 0.02 as is_returned
        from split
    """)

    shipments = f"""
        with versions as (
            select *, 1 as version, shipped_ts as updated_ts from t_shipments
            union all
            -- 10% were re-promised a day later after a depot delay
            select * replace (promised_date + 1 as promised_date), 2, shipped_ts + interval 20 hour
            from t_shipments where u(shipment_id, 'repromise') < 0.10
        ),
        rendered as (
            select shipment_id, order_id, carrier_id, warehouse_code,
                   ts_text(shipped_ts, shipment_id * 10 + version, 'ship_fmt') as shipped_at,
                   strftime(promised_date, '%Y-%m-%d') as promised_delivery_date,
                   ts_text(updated_ts, shipment_id * 10 + version, 'ship_upd_fmt') as updated_at,
                   updated_ts + interval 30 minute as _loaded_at,
                   shipment_id * 10 + version as row_key
            from versions
        )
        {with_exact_duplicates("ship_dupe", "hash(row_key, 'order'), row_key")}
    """
    out.table("logistics", "shipments", shipments)

    events = f"""
        with slots as (
            select s.*, unnest(range(6)) as slot,
                   coalesce(delivered_ts, shipped_ts + interval 4 day) - shipped_ts as transit
            from t_shipments s
        ),
        timed as (
            select shipment_id, slot, is_returned, delivered_ts,
                   case slot
                       when 0 then shipped_ts + interval 1 hour
                       when 1 then shipped_ts + transit * 0.3
                       when 2 then shipped_ts + transit * 0.6
                       when 3 then delivered_ts - interval 20 hour
                       when 4 then delivered_ts - interval 4 hour
                       else delivered_ts
                   end as event_ts,
                   case slot
                       when 0 then 'picked_up'
                       when 1 then 'in_transit'
                       when 2 then 'in_transit'
                       when 3 then 'failed_attempt'
                       when 4 then 'out_for_delivery'
                       else case when is_returned then 'returned_to_sender' else 'delivered' end
                   end as event_type,
                   shipment_id * 8 + slot as event_key
            from slots
        ),
        kept as (
            select * from timed
            where event_ts is not null
              and event_ts < timestamp '{END}'
              and (slot <> 2 or u(event_key, 'second_hop') < 0.6)
              and (slot <> 3 or u(event_key, 'failed') < 0.06)
        ),
        received as (
            select *,
                   event_ts + to_seconds(
                       case when u(event_key, 'ev_late') < 0.05 then ri(event_key, 'ev_late_s', 7200, 129600)
                            else ri(event_key, 'ev_lag_s', 60, 1200) end) as received_ts
            from kept
        ),
        shaped as (
            select md5('tracking-' || event_key) as event_id,
                   shipment_id,
                   case when u(event_key, 'etype_case') < 0.1 then upper(event_type) else event_type end
                       as event_type,
                   ts_text(event_ts, event_key, 'ev_fmt') as event_ts,
                   received_ts as received_at,
                   event_key
            from received
        )
        select * exclude (event_key), strftime(received_at, '%Y_%m') as received_month from (
            select * from shaped
            union all
            select * from shaped where u(event_key, 'ev_dupe') < 0.02
        )
        order by received_at, event_id
    """
    out.table_in_parts("logistics", "delivery_events", events, "received_month")
