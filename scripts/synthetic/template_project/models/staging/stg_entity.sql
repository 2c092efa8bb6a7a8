select entity_id, parent_id, amount from {{ source('raw', 'entity') }}
