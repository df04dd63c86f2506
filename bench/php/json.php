<?php
require __DIR__ . '/common.php';
json_out(['message' => 'Hello, World!']);
