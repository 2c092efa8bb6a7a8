"""The marketing domain's inputs: campaign metadata, weekly spend uploads, and the web clickstream feed.

Dirt that silver must clean: spend files re-uploaded with restated amounts (latest upload wins), amounts
with a decimal comma, events delivered twice (same event_id), late events arriving up to two days after
they happened, files ordered by arrival rather than event time, timestamps in mixed time zones, visitors
who log in mid-session (customer_id null on the landing event).
"""

from __future__ import annotations

import duckdb
from datagen.engine import END, START, Sizes
from datagen.output import Writer

THEMES = "['spring','summer','autumn','winter','brand','retarget','launch','sale']"
BROWSING = "['page_view','page_view','product_view','add_to_cart']"
CHANNELS = "['paid_search','paid_social','email','display','affiliate']"


def build_truth(con: duckdb.DuckDBPyConnection, sizes: Sizes) -> None:
    con.execute(f"""
        create or replace temp table t_campaigns as
        with base as (
            select i + 1 as campaign_id,
                   pick(i, 'c_channel', {CHANNELS}) as channel,
                   pick(i, 'c_theme', {THEMES}) as theme,
                   date '{START}' + cast(floor(u(i, 'c_start') * 640) as int) as started_on,
                   ri(i, 'c_length', 14, 120) as length_days,
                   round(50 + u(i, 'c_budget') * 950, 2) as daily_budget
            from range({sizes.campaigns}) t(i)
        )
        select *,
               upper(theme[1]) || theme[2:] || ' ' || replace(channel, '_', ' ') || ' #' || campaign_id
                   as campaign_name,
               theme || '_' || channel || '_' || campaign_id as utm_campaign,
               -- a fifth of campaigns are always-on (no end date)
               case when u(campaign_id, 'always_on') < 0.2 then null
                    else least(started_on + cast(length_days as int), date '{END}' - 1) end as ended_on
        from base
    """)


def write(sizes: Sizes, out: Writer) -> None:
    campaigns = """
        select campaign_id,
               campaign_name,
               channel,
               utm_campaign,
               strftime(started_on, '%Y-%m-%d') as started_on,
               strftime(ended_on, '%Y-%m-%d') as ended_on,
               daily_budget as daily_budget_eur,
               strftime(cast(started_on as timestamp) - interval 3 day, '%Y-%m-%dT%H:%M:%SZ') as updated_at,
               cast(started_on as timestamp) - interval 2 day as _loaded_at
        from t_campaigns
        order by campaign_id
    """
    out.table("marketing", "campaigns", campaigns)

    spend = f"""
        with days as (
            select campaign_id, daily_budget,
                   cast(unnest(generate_series(cast(started_on as timestamp),
                                               cast(coalesce(ended_on, date '{END}' - 1) as timestamp),
                                               interval 1 day)) as date) as spend_date
            from t_campaigns
        ),
        keyed as (
            select *, campaign_id * 100000 + (spend_date - date '{START}') as day_key,
                   cast(date_trunc('week', spend_date) as date) as week_start
            from days
        ),
        uploads as (
            -- every week's file lands on the following Monday morning
            select *, 1 as revision,
                   cast(week_start as timestamp) + interval 7 day + interval 9 hour as uploaded_ts,
                   round(daily_budget * (0.5 + u(day_key, 'spend')), 2) as amount
            from keyed
            union all
            -- 8% of campaign-weeks are restated a few days later with corrected amounts
            select *, 2,
                   cast(week_start as timestamp)
                       + to_days(ri(campaign_id * 1000 + (week_start - date '{START}'), 'restate_day', 9, 16))
                       + interval 15 hour,
                   round(daily_budget * (0.5 + u(day_key, 'spend')) * 0.93, 2)
            from keyed
            where u(campaign_id * 1000 + (week_start - date '{START}'), 'restated') < 0.08
        )
        select 'spend-' || strftime(week_start, '%G-W%V') || '-r' || revision as batch_name,
               strftime(uploaded_ts, '%Y-%m-%dT%H:%M:%SZ') as uploaded_at,
               campaign_id,
               strftime(spend_date, '%Y-%m-%d') as spend_date,
               -- one agency exports a decimal comma
               case when u(campaign_id, 'comma_agency') < 0.25 then replace(cast(amount as varchar), '.', ',')
                    else cast(amount as varchar) end as spend_amount,
               'EUR' as currency,
               case when u(day_key * 3 + revision, 'no_impr') < 0.01 then null
                    else ri(day_key, 'impressions', 1000, 50000) end as impressions,
               ri(day_key, 'clicks', 10, 900) as clicks,
               uploaded_ts as _loaded_at,
               strftime(uploaded_ts, '%Y_%m') as upload_month
        from uploads
        order by uploaded_ts, campaign_id, spend_date
    """
    out.table_in_parts("marketing", "campaign_spend", spend, "upload_month")

    visitors = max(1, sizes.sessions // 3)
    events = f"""
        with sessions as (
            select i + 1 as session_no,
                   ri(i, 'visitor', 1, {visitors}) as visitor_no,
                   timestamp '{START}' + offset_secs(i, 's_start', 730 * 86400) as started_ts,
                   ri(i, 'n_events', 1, 8) as n_events,
                   ri(i, 'gap', 5, 1500) as gap_s,
                   case when u(i, 'utm') < 0.35 then ri(i, 'campaign', 1, {sizes.campaigns}) end
                       as campaign_no,
                   u(i, 'purchase') < 0.08 as purchases
            from range({sizes.sessions}) t(i)
        ),
        exploded as (
            select s.*, unnest(range(n_events)) as event_no from sessions s
        ),
        events as (
            select e.*,
                   e.session_no * 16 + e.event_no as event_key,
                   -- events within a visit are less than 30 minutes apart
                   e.started_ts + to_seconds(e.event_no * e.gap_s
                                             + ri(e.session_no * 16 + e.event_no, 'jitter', 0, e.gap_s // 3))
                       as event_ts,
                   case when u(e.visitor_no, 'known') < 0.4
                        then ri(e.visitor_no, 'v_customer', 1, {sizes.customers}) end as known_customer
            from exploded e
        ),
        shaped as (
            select md5(cast(ev.event_key as varchar)) as event_id,
                   'v-' || md5('visitor' || ev.visitor_no)[:16] as visitor_cookie,
                   -- logged in after landing: the first event of a visit is anonymous
                   case when ev.event_no > 0 then ev.known_customer end as customer_id,
                   case when ev.event_no = 0 then 'page_view'
                        when ev.purchases and ev.event_no = ev.n_events - 1 then 'purchase'
                        else pick(ev.event_key, 'etype', {BROWSING})
                   end as event_type,
                   ev.event_ts,
                   ev.event_ts + to_seconds(
                       case when u(ev.event_key, 'late') < 0.03 then ri(ev.event_key, 'late_s', 3600, 172800)
                            else ri(ev.event_key, 'lag_s', 1, 30) end) as received_ts,
                   '/products/' || ri(ev.event_key, 'page', 1, 500) as page_url,
                   case when ev.event_no = 0 and ev.campaign_no is not null then
                        case c.channel when 'paid_search' then 'google' when 'paid_social' then 'facebook'
                             when 'email' then 'newsletter' when 'display' then 'dv360' else 'partner' end
                   end as utm_source,
                   case when ev.event_no = 0 then c.channel end as utm_medium,
                   case when ev.event_no = 0 then c.utm_campaign end as utm_campaign,
                   ev.event_key
            from events ev
            left join t_campaigns c on c.campaign_id = ev.campaign_no
        ),
        delivered as (
            select * from shaped
            union all
            -- at-least-once delivery: 2% of events arrive twice
            select * replace (received_ts + interval 5 minute as received_ts)
            from shaped where u(event_key, 'redelivered') < 0.02
        )
        select event_id, visitor_cookie, customer_id, event_type,
               ts_text(event_ts, event_key, 'e_fmt') as event_ts,
               received_ts as received_at,
               page_url, utm_source, utm_medium, utm_campaign,
               strftime(received_ts, '%Y_%m') as received_month
        from delivered
        order by received_ts, event_id
    """
    out.table_in_parts("marketing", "web_events", events, "received_month")
