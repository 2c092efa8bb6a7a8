select entity_id, parent_id, amount from {{ ref('stg_entity') }}
