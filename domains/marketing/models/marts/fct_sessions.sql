with

events as (

    select * from {{ ref('int_web_events_deduped') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

gaps as (

    select
        *,
        lag(event_at) over (partition by visitor_cookie order by event_at, event_id) as previous_event_at
    from events

),

-- a visit ends after 30 minutes without an event; late events fall into place by event time
boundaries as (

    select
        *,
        case
            when previous_event_at is null then 1
            when
                {{ dbt.datediff('previous_event_at', 'event_at', 'second') }}
                > 1800
                then 1
            else 0
        end as is_session_start
    from gaps

),

numbered as (

    select
        *,
        sum(is_session_start) over (
            partition by visitor_cookie order by event_at, event_id rows between unbounded preceding and current row
        ) as session_number
    from boundaries

),

landings as (

    select
        visitor_cookie,
        session_number,
        utm_source,
        utm_medium,
        utm_campaign
    from numbered
    where is_session_start = 1

),

sessions as (

    select
        visitor_cookie,
        session_number,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at,
        -- visitors log in mid-visit: the visit belongs to whoever logged in
        max(customer_id) as customer_id,
        count(*) as event_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_view_count,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) = 1 as has_add_to_cart,
        max(case when event_type = 'purchase' then 1 else 0 end) = 1 as has_purchase
    from numbered
    group by visitor_cookie, session_number

),

final as (

    select
        ----------  ids
        {{ surrogate_key(['sessions.visitor_cookie', 'sessions.session_started_at']) }} as session_id,
        sessions.visitor_cookie,
        sessions.customer_id,
        campaigns.campaign_id,

        ----------  campaign tracking of the landing event
        landings.utm_source,
        landings.utm_medium,
        landings.utm_campaign,

        ----------  numerics
        cast(sessions.event_count as integer) as event_count,
        cast(sessions.page_view_count as integer) as page_view_count,
        sessions.has_add_to_cart,
        sessions.has_purchase,

        ----------  timestamps
        sessions.session_started_at,
        sessions.session_ended_at

    from sessions
    inner join landings
        on
            sessions.visitor_cookie = landings.visitor_cookie
            and sessions.session_number = landings.session_number
    left join campaigns on landings.utm_campaign = campaigns.utm_campaign

)

select * from final
