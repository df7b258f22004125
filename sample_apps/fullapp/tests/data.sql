-- Passwords: "test" and "other" (cheap pbkdf2 hashes so the suite stays fast).
INSERT INTO user (username, password)
VALUES
  ('test', 'pbkdf2:sha256:1000$N4H9cT5rMhPnmIz4$89a891c08cf9ce5386d72f6172a73690c305503d1605f3b17095422bdd4bf32e'),
  ('other', 'pbkdf2:sha256:1000$7rPTWOxSUzBptPy4$c941e8fd223985fe443aa9cd9f5f262533a55ecbc241edf3fa511d33d1ca3951');

INSERT INTO note (title, body, author_id, created, locked)
VALUES
  ('test title', 'test' || char(10) || 'body', 1, '2024-01-01 00:00:00', 0),
  ('shopping list', 'apples, pears', 2, '2024-01-02 00:00:00', 0),
  ('frozen plan', 'do not touch', 1, '2024-01-03 00:00:00', 1);
