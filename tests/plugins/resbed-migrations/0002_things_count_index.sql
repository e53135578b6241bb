-- An index that orders things by count: the store hints unfiltered pages
-- ordered by count to read it (plugins/store/store_rlearn.c).
CREATE INDEX things_count ON things (count);
