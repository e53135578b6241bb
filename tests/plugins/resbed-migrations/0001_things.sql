-- Tables behind resbed's resources (tests/plugins/resbed.c): every field
-- type of the store's resource engine, a foreign key, a unique key.
CREATE TABLE kinds (
    id INT AUTO_INCREMENT PRIMARY KEY,
    label VARCHAR(40) NOT NULL UNIQUE
);
CREATE TABLE things (
    id INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(20) NOT NULL,
    code VARCHAR(20) NULL UNIQUE,
    size VARCHAR(2) NOT NULL DEFAULT 'M',
    count INT NOT NULL DEFAULT 0,
    user_id BIGINT NOT NULL,
    ratio DOUBLE NULL,
    notes TEXT NULL,
    active TINYINT(1) NOT NULL DEFAULT 1,
    happened DATETIME NULL,
    extra TEXT NULL,
    kind_id INT NULL,
    owner VARCHAR(40) NULL,
    touched VARCHAR(10) NULL,
    CONSTRAINT things_kind FOREIGN KEY (kind_id) REFERENCES kinds (id)
);
CREATE TABLE memos (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    body VARCHAR(100) NOT NULL,
    at DATETIME NOT NULL
);
