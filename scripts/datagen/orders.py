"""The orders domain's operational-DB extract: customers, products, orders (one row per status change), lines.

Dirt that silver must clean: several versions per key (latest `updated_at` wins), exact duplicate rows
from re-extracts, mixed-case statuses, e-mails with stray case/whitespace or malformed, null names and
quantities, timestamps as text in mixed time zones, rows not in time order.
"""

from __future__ import annotations

import duckdb
from datagen.engine import END, START, Sizes, with_exact_duplicates
from datagen.output import Writer

FIRST_NAMES = "['Ada','Ben','Chloe','Dmitri','Elena','Farid','Grace','Hiro','Ines','Jonas','Keiko','Liam','Maya','Noah','Olga','Pablo','Quinn','Rosa','Sven','Tara']"  # noqa: E501
LAST_NAMES = "['Smith','Müller','García','Rossi','Dubois','Nowak','Jensen','Silva','Kowalski','Novak','Berg','Costa','Ivanova','Okafor','Tanaka','Haddad']"  # noqa: E501
COUNTRIES = "['US','US','GB','DE','DE','FR','NL','ES','IT','CA','AU']"
CATEGORIES = "['apparel','footwear','electronics','home','garden','toys','beauty','sports']"


def build_truth(con: duckdb.DuckDBPyConnection, sizes: Sizes) -> None:
    """Temp tables the other domains derive from (logistics ships these orders)."""
    run = con.execute
    run(f"""
        create or replace temp table t_products as
        select i + 1 as product_id,
               pick(i, 'category', {CATEGORIES}) as category,
               round(3 + u(i, 'price') * 197, 2) as base_price,
               timestamp '2023-06-01' + offset_secs(i, 'p_created', 180 * 86400) as created_ts
        from range({sizes.products}) t(i)
    """)
    run(f"""
        create or replace temp table t_orders as
        with base as (
            select i + 1 as order_id,
                   case when u(i, 'guest') < 0.02 then null
                        else ri(i, 'customer', 1, {sizes.customers}) end as customer_id,
                   timestamp '{START}' + offset_secs(i, 'ordered', 730 * 86400) as placed_ts,
                   -- channels are not equal: web 45%, app 35%, marketplace 20%
                   case when u(i, 'channel') < 0.45 then 'web' when u(i, 'channel') < 0.80 then 'app'
                        else 'marketplace' end as channel,
                   u(i, 'cancel') < 0.05 as is_cancelled,
                   ri(i, 'n_lines', 1, 5) as n_lines,
                   ri(i, 'ship_delay', 4, 72) as ship_delay_h,
                   -- transit has a long tail: most parcels in a day or two, a few take almost a week
                   cast(20 + floor(120 * pow(u(i, 'transit'), 2.5)) as bigint) as transit_h
            from range({sizes.orders}) t(i)
        ),
        weekly as (
            -- a weekly rhythm: 40% of weekend orders are placed on the Monday after instead
            select * exclude (placed_ts),
                   case when isodow(placed_ts) >= 6 and u(order_id, 'weekend') < 0.4
                        then placed_ts + to_days(8 - isodow(placed_ts)) else placed_ts end as ordered_ts
            from base
        ),
        shipped as (
            select *,
                   case when not is_cancelled
                             and ordered_ts + to_hours(ship_delay_h) < timestamp '{END}'
                        then ordered_ts + to_hours(ship_delay_h) end as shipped_ts
            from weekly where ordered_ts < timestamp '{END}'
        )
        select *,
               case when shipped_ts + to_hours(transit_h) < timestamp '{END}'
                    then shipped_ts + to_hours(transit_h) end as delivered_ts
        from shipped
    """)


def _status_text(status: str, key: str) -> str:
    # the operational DB grew three spellings of the same status over the years
    return (
        f"case when u({key}, 'status_case') < 0.08 then upper('{status}') "
        f"when u({key}, 'status_case') < 0.15 "
        f"then upper(left('{status}', 1)) || substr('{status}', 2) || ' ' "
        f"else '{status}' end"
    )


def _loaded_at(ts: str) -> str:
    # nightly extract at 02:00 UTC after the change
    return f"date_trunc('day', {ts}) + interval 1 day + interval 2 hour"


def write(sizes: Sizes, out: Writer) -> None:
    customers = f"""
        with base as (
            select i + 1 as customer_id,
                   pick(i, 'first', {FIRST_NAMES}) as first_name,
                   pick(i, 'last', {LAST_NAMES}) as last_name,
                   pick(i, 'country', {COUNTRIES}) as country_code,
                   timestamp '2022-01-01' + offset_secs(i, 'c_created', 730 * 86400) as created_ts,
                   u(i, 'email_dirt') as email_dirt
            from range({sizes.customers}) t(i)
        ),
        versions as (
            select customer_id, 1 as version, created_ts as updated_ts, first_name, last_name,
                   country_code, created_ts, email_dirt,
                   lower(first_name) || '.' || lower(last_name) || customer_id || '@example.com'
                       as clean_email
            from base
            union all
            -- 20% changed their e-mail or moved country later
            select customer_id, 2, created_ts + offset_secs(customer_id, 'c_update', 700 * 86400),
                   first_name, last_name,
                   case when u(customer_id, 'moved') < 0.3 then 'GB' else country_code end,
                   created_ts, u(customer_id, 'email_dirt_v2'),
                   lower(left(first_name, 1)) || lower(last_name) || customer_id || '@mail.example.org'
            from base where u(customer_id, 'has_update') < 0.2
        ),
        rendered as (
            select customer_id,
                   case when email_dirt < 0.01 then null
                        when email_dirt < 0.025 then replace(clean_email, '@', '')
                        when email_dirt < 0.03 then replace(clean_email, '.com', '')
                        when email_dirt < 0.06 then '  ' || upper(clean_email) || ' '
                        else clean_email end as email,
                   case when u(customer_id, 'no_name') < 0.005 then null else first_name end as first_name,
                   last_name,
                   country_code,
                   ts_text(created_ts, customer_id * 10 + version, 'created_fmt') as created_at,
                   ts_text(updated_ts, customer_id * 10 + version, 'updated_fmt') as updated_at,
                   {_loaded_at("updated_ts")} as _loaded_at,
                   customer_id * 10 + version as row_key
            from versions
        )
        {with_exact_duplicates("exact_dupe", "hash(row_key, 'order'), customer_id")}
    """
    out.table("orders", "customers", customers)

    products = f"""
        with versions as (
            select product_id, 1 as version, base_price as price, created_ts as updated_ts, category,
                   created_ts
            from t_products
            union all
            select product_id, 2, round(base_price * 1.1, 2),
                   created_ts + offset_secs(product_id, 'p_update', 600 * 86400), category, created_ts
            from t_products where u(product_id, 'reprice') < 0.15
        ),
        rendered as (
            select product_id,
                   'SKU-' || lpad(cast(product_id as varchar), 6, '0') as sku,
                   upper(category[1]) || category[2:] || ' item ' || product_id as product_name,
                   category,
                   price as unit_price,
                   'EUR' as currency,
                   -- superseded versions were active; 5% of products are discontinued today
                   case when version = 1 and u(product_id, 'reprice') < 0.15 then true
                        else u(product_id, 'inactive') >= 0.05 end as is_active,
                   ts_text(updated_ts, product_id * 10 + version, 'p_updated_fmt') as updated_at,
                   {_loaded_at("updated_ts")} as _loaded_at,
                   product_id * 10 + version as row_key
            from versions
        )
        {with_exact_duplicates("p_dupe", "hash(row_key, 'order'), product_id")}
    """
    out.table("orders", "products", products)

    status_cases = " ".join(
        f"when '{s}' then {_status_text(s, 'c.order_id * 10 + c.seq')}"
        for s in ("placed", "cancelled", "shipped", "delivered")
    )
    orders = f"""
        with changes as (
            select order_id, 'placed' as status, ordered_ts as updated_ts, 1 as seq from t_orders
            union all
            select order_id, 'cancelled', ordered_ts + to_hours(ri(order_id, 'cancel_h', 1, 48)), 2
            from t_orders where is_cancelled
            union all
            select order_id, 'shipped', shipped_ts, 3 from t_orders where shipped_ts is not null
            union all
            select order_id, 'delivered', delivered_ts, 4 from t_orders where delivered_ts is not null
        ),
        rendered as (
            select c.order_id,
                   o.customer_id,
                   case c.status {status_cases} end as order_status,
                   o.channel,
                   'EUR' as currency,
                   ts_text(o.ordered_ts, c.order_id * 10 + c.seq, 'ordered_fmt') as ordered_at,
                   ts_text(c.updated_ts, c.order_id * 10 + c.seq, 'o_updated_fmt') as updated_at,
                   {_loaded_at("c.updated_ts")} as _loaded_at,
                   c.order_id * 10 + c.seq as row_key
            from changes c join t_orders o using (order_id)
        )
        {with_exact_duplicates("o_dupe", "hash(row_key, 'order'), row_key")}
    """
    out.table("orders", "orders", orders)

    lines = f"""
        with exploded as (
            select order_id, ordered_ts, unnest(range(1, n_lines + 1)) as line_no from t_orders
        ),
        lines as (
            select e.order_id * 10 + e.line_no as order_line_id,
                   e.order_id,
                   ri(e.order_id * 10 + e.line_no, 'product', 1, (select count(*) from t_products))
                       as product_id,
                   e.ordered_ts
            from exploded e
        ),
        rendered as (
            select l.order_line_id,
                   l.order_id,
                   l.product_id,
                   case when u(l.order_line_id, 'qty_null') < 0.003 then null
                        else ri(l.order_line_id, 'qty', 1, 4) end as quantity,
                   p.base_price as unit_price,
                   case when u(l.order_line_id, 'discount') < 0.7 then null
                        else round(p.base_price * 0.1, 2) end as discount_amount,
                   ts_text(l.ordered_ts, l.order_line_id, 'line_fmt') as created_at,
                   {_loaded_at("l.ordered_ts")} as _loaded_at
            from lines l join t_products p using (product_id)
        )
        select * from (
            select * from rendered
            union all
            select * from rendered where u(order_line_id, 'line_dupe') < 0.005
        ) order by hash(order_line_id, 'order'), order_line_id
    """
    out.table("orders", "order_lines", lines)
