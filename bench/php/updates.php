<?php
/* /updates?queries=N on PostgreSQL: N rows read, given new numbers and
 * written back in one transaction, in id order (no deadlocks). */
require __DIR__ . '/common.php';
$db = pg();
$select = $db->prepare('SELECT id, randomNumber FROM World WHERE id = ?');
$update = $db->prepare('UPDATE World SET randomNumber = ? WHERE id = ?');
$rows = [];
for ($n = query_count(); $n > 0; $n--) {
	$w = world($select);
	$w['randomNumber'] = mt_rand(1, 10000);
	$rows[] = $w;
}
$sorted = $rows;
usort($sorted, fn($a, $b) => $a['id'] <=> $b['id']);
$db->beginTransaction();
foreach ($sorted as $w)
	$update->execute([$w['randomNumber'], $w['id']]);
$db->commit();
json_out($rows);
