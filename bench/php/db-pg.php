<?php
require __DIR__ . '/common.php';
json_out(world(pg()->prepare('SELECT id, randomNumber FROM World WHERE id = ?')));
