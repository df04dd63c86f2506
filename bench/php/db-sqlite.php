<?php
require __DIR__ . '/common.php';
json_out(world(lite()->prepare('SELECT id, randomNumber FROM World WHERE id = ?')));
