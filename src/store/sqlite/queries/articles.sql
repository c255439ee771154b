-- Named queries of the SQLite backend: articles (the role of store/articles.hpp).
-- Rules for every file of this folder: see connection.sql.

-- Articles: id, slug, title, standfirst, author, section, body, url, published_at ----

-- name: insert_article
INSERT INTO articles (slug, title, standfirst, author, section, body, url, published_at,
                      created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
RETURNING id;

-- name: latest_articles
SELECT id, slug, title, standfirst, author, section, body, url, published_at
FROM articles
ORDER BY published_at DESC, id DESC
LIMIT ?1;

-- name: article_by_slug
SELECT id, slug, title, standfirst, author, section, body, url, published_at
FROM articles
WHERE slug = ?1;
