"""The knowledge base's part of the OpenAPI document."""

from __future__ import annotations

from desk.web.api.openapi_schema import (
    DATE_TIME,
    ID,
    JSON,
    WRITE_ERRORS,
    answers,
    body,
    nullable,
    obj,
    query,
    ref,
    text,
)

# The knowledge base: search, the article list (every status: tokens are staff), writing.
KB_LOCALE: JSON = {"type": "string", "enum": ["en", "zh-CN"]}
KB_ARTICLE_PROPERTIES: JSON = {
    "id": ID, "title": {"type": "string"}, "slug": {"type": "string"}, "locale": KB_LOCALE,
    "category_id": nullable(ID), "category": {"type": ["string", "null"],
                                              "description": "The category's slug."},
    "tags": {"type": "array", "items": {"type": "string"}},
    "status": {"type": "string", "enum": ["draft", "published", "archived"]},
    "visibility": {"type": "string", "enum": ["public", "internal"],
                   "description": "internal: for agents only, never on the public portal."},
    "translation_group": nullable(ID),
    "url": {"type": "string", "description": "The article's page on the public help portal."},
    "views": {"type": "integer", "minimum": 0}, "helpful_yes": {"type": "integer", "minimum": 0},
    "helpful_no": {"type": "integer", "minimum": 0}, "created_at": DATE_TIME,
    "updated_at": DATE_TIME, "published_at": nullable(DATE_TIME),
}
KB_WRITABLE: JSON = {
    "title": text(300), "body_markdown": text(200_000, description="Markdown."),
    "locale": {**KB_LOCALE, "default": "en"}, "category_id": nullable(ID), "tags": {
        "type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 50}},
    "status": {"type": "string", "enum": ["draft", "published", "archived"], "default": "draft"},
    "visibility": {"type": "string", "enum": ["public", "internal"], "default": "public"},
    "translation_of": nullable({**ID, "description": "An article in another language this one "
                                                     "translates (joins its translations)."}),
}
SCHEMAS: JSON = {
    "KbHit": obj({
        "id": ID, "title": {"type": "string"}, "slug": {"type": "string"}, "locale": KB_LOCALE,
        "category": {"type": ["string", "null"]}, "score": {"type": "number"},
        "snippet": {"type": "string", "description": "HTML: the text escaped, the matched words "
                                                     "in <mark>."},
        "url": {"type": "string"}}),
    "KbSearchResults": obj({
        "query": {"type": "string"}, "hits": {"type": "array", "items": ref("KbHit")},
        "total": {"type": "integer", "minimum": 0},
        "did_you_mean": {"type": ["string", "null"],
                         "description": "A spelling correction for an English query."}}),
    "KbArticle": obj(KB_ARTICLE_PROPERTIES),
    "KbArticleDetail": obj({
        **KB_ARTICLE_PROPERTIES, "body_markdown": {"type": "string"},
        "html": {"type": "string", "description": "The Markdown rendered and sanitised."},
        "translations": {"type": "array", "items": obj({
            "id": ID, "locale": KB_LOCALE, "title": {"type": "string"}})}}),
    "KbArticlePage": obj({
        "items": {"type": "array", "items": ref("KbArticle")},
        "next_cursor": {"type": ["string", "null"],
                        "description": "Pass as `cursor` for older articles; null on the last "
                                       "page."}}),
    "NewKbArticle": obj(KB_WRITABLE, required=("title", "body_markdown")),
    "KbArticleChanges": obj(KB_WRITABLE, required=()),
}
ARTICLE_ID = {"name": "article_id", "in": "path", "required": True, "schema": ID,
              "description": "The article's id."}
PATHS: JSON = {
    "/kb/search": {"get": {
        "operationId": "searchKb",
        "summary": "Published articles matching a query, best first (English and Chinese)",
        "parameters": [
            query("q", {"type": "string", "maxLength": 1000},
                  "What to look for, as typed; any text is accepted (no query syntax). Empty: "
                  "no hits."),
            query("locale", KB_LOCALE, "Only articles in this language."),
            query("category", {"type": "string", "maxLength": 120}, "A category's slug."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                  "Hits at most."),
            query("include_internal", {"type": "boolean", "default": False},
                  "Also internal (agents-only) articles."),
        ],
        "responses": answers(200, "The hits.", "KbSearchResults", 422)}},
    "/kb/articles": {
        "get": {"operationId": "listKbArticles", "summary": "Articles in any status, newest first",
                "parameters": [
                    query("locale", KB_LOCALE, "Only articles in this language."),
                    query("status", {"type": "string",
                                     "enum": ["draft", "published", "archived"]},
                          "Only articles with this status."),
                    query("category", {"type": "string"}, "A category's slug or id."),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 100,
                                    "default": 50}, "Articles per page."),
                    query("cursor", ID,
                          "A page's `next_cursor`."),
                ],
                "responses": answers(200, "A page of articles.", "KbArticlePage", 422)},
        "post": {"operationId": "createKbArticle",
                 "summary": "Write an article (knowledge-base writers only)",
                 "requestBody": body("NewKbArticle"),
                 "responses": answers(201, "The new article.", "KbArticleDetail", 403,
                                      *WRITE_ERRORS)},
    },
    "/kb/articles/{article_id}": {
        "parameters": [ARTICLE_ID],
        "get": {"operationId": "getKbArticle", "summary": "An article with its text",
                "responses": answers(200, "The article.", "KbArticleDetail", 404)},
        "patch": {"operationId": "updateKbArticle",
                  "summary": "Change an article (knowledge-base writers only); a new revision",
                  "requestBody": body("KbArticleChanges"),
                  "responses": answers(200, "The changed article.", "KbArticleDetail", 403, 404,
                                       *WRITE_ERRORS)},
    },
}


RESPONSES: JSON = {}
