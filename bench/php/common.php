<?php
/*
 * common.php: what the PHP-FPM peer's endpoints share. Persistent PDO
 * connections (one per FPM child), native prepared statements, errors as
 * exceptions. The pool config (php-fpm.conf) passes BENCH_PG_DSN and
 * BENCH_SQLITE.
 */
function pg(): PDO
{
	static $db;
	return $db ??= new PDO(getenv('BENCH_PG_DSN'), null, null, [
		PDO::ATTR_PERSISTENT => true,
		PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
		PDO::ATTR_EMULATE_PREPARES => false,
	]);
}

function lite(): PDO
{
	static $db;
	return $db ??= new PDO('sqlite:' . getenv('BENCH_SQLITE'), null, null, [
		PDO::ATTR_PERSISTENT => true,
		PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
	]);
}

/* ?queries=N as the TechEmpower rules read it: 1..500, anything else 1. */
function query_count(): int
{
	$n = filter_var($_GET['queries'] ?? 1, FILTER_VALIDATE_INT);
	return $n === false || $n < 1 ? 1 : min($n, 500);
}

/* One random World row through a prepared statement. */
function world(PDOStatement $select): array
{
	$select->execute([mt_rand(1, 10000)]);
	$r = $select->fetch(PDO::FETCH_NUM);
	return ['id' => (int)$r[0], 'randomNumber' => (int)$r[1]];
}

function json_out($value): void
{
	header('Content-Type: application/json');
	echo json_encode($value);
}
