with

orders as (

    select * from {{ ref('int_orders_attributable') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

campaign_sessions as (

    select
        session_id,
        customer_id,
        campaign_id,
        utm_medium,
        session_started_at
    from sessions
    where campaign_id is not null and customer_id is not null

),

-- last touch: the customer's latest campaign visit in the 30 days up to the order
touches as (

    select
        orders.order_id,
        campaign_sessions.session_id,
        campaign_sessions.campaign_id,
        campaign_sessions.utm_medium,
        campaign_sessions.session_started_at,
        row_number() over (
            partition by orders.order_id
            order by campaign_sessions.session_started_at desc, campaign_sessions.session_id asc
        ) as touch_rank
    from orders
    inner join campaign_sessions
        on
            orders.customer_id = campaign_sessions.customer_id
            and orders.ordered_at >= campaign_sessions.session_started_at
            and {{ dbt.dateadd('day', -30, 'orders.ordered_at') }} < campaign_sessions.session_started_at

),

final as (

    select
        ----------  ids
        orders.order_id,
        orders.customer_id,
        touches.session_id as attributed_session_id,
        touches.campaign_id as attributed_campaign_id,

        ----------  attribution
        coalesce(touches.utm_medium, 'direct') as attribution_channel,
        touches.session_started_at as touched_at,

        ----------  order
        orders.order_total,
        orders.currency,
        orders.ordered_at

    from orders
    left join touches on orders.order_id = touches.order_id and touches.touch_rank = 1

)

select * from final
