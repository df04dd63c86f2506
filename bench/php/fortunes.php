<?php
/* /fortunes on PostgreSQL: the table plus one added fortune, sorted by
 * message, escaped. */
require __DIR__ . '/common.php';
$fortunes = pg()->query('SELECT id, message FROM Fortune')->fetchAll(PDO::FETCH_KEY_PAIR);
$fortunes[0] = 'Additional fortune added at request time.';
asort($fortunes, SORT_STRING);
header('Content-Type: text/html; charset=utf-8');
echo "<!DOCTYPE html>\n<html>\n<head><title>Fortunes</title></head>\n<body>\n<table>\n",
	"<tr><th>id</th><th>message</th></tr>\n";
foreach ($fortunes as $id => $message)
	echo '<tr><td>', $id, '</td><td>', htmlspecialchars($message, ENT_QUOTES, 'UTF-8'),
		"</td></tr>\n";
echo "</table>\n</body>\n</html>\n";
