DROP TABLE notifications;
DROP TABLE digests;
ALTER TABLE accounts ADD COLUMN notify_updates boolean NOT NULL DEFAULT true;
UPDATE accounts a SET notify_updates = false
WHERE EXISTS (SELECT 1 FROM notification_preferences p WHERE p.account_id = a.id AND p.delivery = 'never');
DROP TABLE notification_preferences;
