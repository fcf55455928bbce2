DROP TRIGGER consultation_comments_inserted ON consultation_comments;
DROP TRIGGER consultation_comments_deleted ON consultation_comments;
DROP FUNCTION consultation_comments_inserted();
DROP FUNCTION consultation_comments_deleted();
CREATE TRIGGER consultation_comments_count AFTER INSERT OR DELETE ON consultation_comments
    FOR EACH ROW EXECUTE FUNCTION consultation_comments_count();
