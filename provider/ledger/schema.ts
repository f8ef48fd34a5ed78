/**
 * Ledger schema migrations, applied in order inside one transaction each; `meta.schema_version`
 * records the last one applied. Never edit a released migration: append a new one.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    name TEXT,
    file INTEGER NOT NULL DEFAULT 1,
    block INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL REFERENCES clusters(id),
    manage_host TEXT NOT NULL UNIQUE,
    storage_host TEXT NOT NULL UNIQUE,
    zone INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    ssh TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,               -- adding | online | offline | failed | removing
    op_id TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL REFERENCES nodes(id),
    path TEXT NOT NULL,
    state TEXT NOT NULL,               -- adding | online | offline | failed | removing
    total_kib INTEGER NOT NULL DEFAULT 0,
    free_kib INTEGER NOT NULL DEFAULT 0,
    used_kib INTEGER NOT NULL DEFAULT 0,
    extent_kib INTEGER NOT NULL DEFAULT 4096,
    pv_uuid TEXT,
    tags TEXT NOT NULL DEFAULT '{}',
    op_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (node_id, path)
  );
  CREATE TABLE volumes (
    id TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL REFERENCES clusters(id),
    name TEXT NOT NULL,
    size_gib INTEGER NOT NULL,
    durability TEXT NOT NULL,
    gid INTEGER NOT NULL DEFAULT 0,
    snapshot_factor REAL NOT NULL DEFAULT 1,
    options TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL,               -- creating | online | expanding | deleting
    op_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (cluster_id, name)
  );
  CREATE TABLE bricks (
    id TEXT PRIMARY KEY,
    volume_id TEXT NOT NULL REFERENCES volumes(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    node_id TEXT NOT NULL REFERENCES nodes(id),
    path TEXT NOT NULL,
    size_kib INTEGER NOT NULL,
    tp_kib INTEGER NOT NULL,
    meta_kib INTEGER NOT NULL,
    set_index INTEGER NOT NULL,
    position INTEGER NOT NULL,
    subtype TEXT NOT NULL,             -- data | arbiter
    state TEXT NOT NULL,               -- pending | ready | deleting
    op_id TEXT
  );
  CREATE INDEX bricks_by_volume ON bricks(volume_id);
  CREATE INDEX bricks_by_device ON bricks(device_id);
  CREATE TABLE operations (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,                -- e.g. create-volume, delete-volume, expand-volume, add-node ...
    target_id TEXT NOT NULL,
    status TEXT NOT NULL,              -- running | committed | done | failed | rolled-back
    plan TEXT NOT NULL,                -- JSON: what the operation will do (ids, placement, commands' inputs)
    error TEXT,
    owner_pid INTEGER NOT NULL,
    owner_boot TEXT NOT NULL,          -- owner process identity: a crashed owner's operations are recovered
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE operation_steps (
    op_id TEXT NOT NULL REFERENCES operations(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,              -- done | failed | compensated
    detail TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (op_id, seq)
  );
  `,
  // 2: Heketi's snapshot.enable as requested (a factor of 1 may be "enabled"); NULL = derive from the factor
  `ALTER TABLE volumes ADD COLUMN snapshot_enable INTEGER;`,
  // 3: a brick's thin pool when it is not tp_<brickId>. Heketi names a pool after the brick id it
  // generated first and may then give the brick another id, so bricks imported from Heketi can sit in
  // tp_<other id>; NULL means tp_<brickId> (every brick this engine creates).
  `
  ALTER TABLE bricks ADD COLUMN thin_pool TEXT;
  `,
  // 4: the owner's heartbeat, renewed while it runs: how a process that cannot see the owner in /proc
  // (another host, another pid namespace) tells a live owner from a dead one
  `ALTER TABLE operations ADD COLUMN heartbeat_at TEXT;`,
  // 5: storage an operator built by hand and adopted: a device's volume group when it is not vg_<id>,
  // a brick's thin LV when it is not brick_<id> and its mount point when it is not Heketi's. NULL
  // means Heketi's layout (everything this engine creates).
  `
  ALTER TABLE devices ADD COLUMN vg_name TEXT;
  ALTER TABLE bricks ADD COLUMN lv_name TEXT;
  ALTER TABLE bricks ADD COLUMN mount_point TEXT;
  `,
];
