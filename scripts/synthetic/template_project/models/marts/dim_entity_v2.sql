select entity_id, parent_id, amount from {{ ref('int_entity') }}
