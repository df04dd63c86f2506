<?php
/* /queries?queries=N on PostgreSQL: N rows, one prepared statement. */
require __DIR__ . '/common.php';
$select = pg()->prepare('SELECT id, randomNumber FROM World WHERE id = ?');
$rows = [];
for ($n = query_count(); $n > 0; $n--)
	$rows[] = world($select);
json_out($rows);
