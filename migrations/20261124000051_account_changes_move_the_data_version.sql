-- Who may sign in is read once per data version (web::caller, web::session_store): any
-- change to an account, made through Centric or by hand in SQL (disabling it, a new
-- password or session epoch, another role), moves the version on, so that it applies from
-- the very next request on every app instance.
CREATE FUNCTION move_the_data_version_on() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_move_the_data_version_on
    AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION move_the_data_version_on();
