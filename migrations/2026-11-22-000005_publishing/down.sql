DROP TABLE publications;
DROP TABLE platform_connections;
