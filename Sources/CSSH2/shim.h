#ifndef DATAPIPE_CSSH2_SHIM_H
#define DATAPIPE_CSSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <string.h>

/* Much of libssh2's API is function-like macros, which Swift cannot call:
   these wrappers are the way in. Lengths are taken with strlen here. */

static inline LIBSSH2_SESSION *cssh2_session_new(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}
static inline int cssh2_disconnect(LIBSSH2_SESSION *session) {
    return libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "closing", "");
}
static inline int cssh2_auth_password(LIBSSH2_SESSION *session, const char *user, const char *password) {
    return libssh2_userauth_password_ex(session, user, (unsigned int)strlen(user), password,
                                        (unsigned int)strlen(password), NULL);
}
static inline int cssh2_auth_key_file(LIBSSH2_SESSION *session, const char *user, const char *path,
                                      const char *passphrase) {
    return libssh2_userauth_publickey_fromfile_ex(session, user, (unsigned int)strlen(user), NULL, path,
                                                  passphrase);
}
static inline int cssh2_auth_key_memory(LIBSSH2_SESSION *session, const char *user, const char *key,
                                        size_t length, const char *passphrase) {
    return libssh2_userauth_publickey_frommemory(session, user, strlen(user), NULL, 0, key, length, passphrase);
}
static inline const char *cssh2_auth_list(LIBSSH2_SESSION *session, const char *user) {
    return libssh2_userauth_list(session, user, (unsigned int)strlen(user));
}
/* The session's last error message ("" when none). */
static inline const char *cssh2_last_error(LIBSSH2_SESSION *session) {
    char *message = NULL;
    int length = 0;
    libssh2_session_last_error(session, &message, &length, 0);
    return message ? message : "";
}

static inline LIBSSH2_SFTP_HANDLE *cssh2_open(LIBSSH2_SFTP *sftp, const char *path, unsigned long flags, long mode) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), flags, mode, LIBSSH2_SFTP_OPENFILE);
}
static inline LIBSSH2_SFTP_HANDLE *cssh2_opendir(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), 0, 0, LIBSSH2_SFTP_OPENDIR);
}
static inline int cssh2_readdir(LIBSSH2_SFTP_HANDLE *handle, char *buffer, size_t size,
                                LIBSSH2_SFTP_ATTRIBUTES *attributes) {
    return libssh2_sftp_readdir_ex(handle, buffer, size, NULL, 0, attributes);
}
static inline int cssh2_close(LIBSSH2_SFTP_HANDLE *handle) { return libssh2_sftp_close_handle(handle); }
static inline int cssh2_mkdir(LIBSSH2_SFTP *sftp, const char *path, long mode) {
    return libssh2_sftp_mkdir_ex(sftp, path, (unsigned int)strlen(path), mode);
}
static inline int cssh2_unlink(LIBSSH2_SFTP *sftp, const char *path) {
    return libssh2_sftp_unlink_ex(sftp, path, (unsigned int)strlen(path));
}
static inline int cssh2_rename(LIBSSH2_SFTP *sftp, const char *from, const char *to) {
    return libssh2_sftp_rename_ex(sftp, from, (unsigned int)strlen(from), to, (unsigned int)strlen(to),
                                  LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC |
                                      LIBSSH2_SFTP_RENAME_NATIVE);
}
static inline int cssh2_stat(LIBSSH2_SFTP *sftp, const char *path, LIBSSH2_SFTP_ATTRIBUTES *attributes) {
    return libssh2_sftp_stat_ex(sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_STAT, attributes);
}
static inline int cssh2_is_folder(unsigned long permissions) { return LIBSSH2_SFTP_S_ISDIR(permissions); }
static inline int cssh2_is_regular(unsigned long permissions) { return LIBSSH2_SFTP_S_ISREG(permissions); }
static inline int cssh2_is_link(unsigned long permissions) { return LIBSSH2_SFTP_S_ISLNK(permissions); }

/* known_hosts: the typemask of a raw host key of `hostKeyType`
   (LIBSSH2_HOSTKEY_TYPE_*), and its name in known_hosts lines. */
static inline int cssh2_knownhost_typemask(int hostKeyType) {
    int key;
    switch (hostKeyType) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: key = LIBSSH2_KNOWNHOST_KEY_SSHRSA; break;
    case LIBSSH2_HOSTKEY_TYPE_DSS: key = LIBSSH2_KNOWNHOST_KEY_SSHDSS; break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: key = LIBSSH2_KNOWNHOST_KEY_ECDSA_256; break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: key = LIBSSH2_KNOWNHOST_KEY_ECDSA_384; break;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: key = LIBSSH2_KNOWNHOST_KEY_ECDSA_521; break;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: key = LIBSSH2_KNOWNHOST_KEY_ED25519; break;
    default: key = LIBSSH2_KNOWNHOST_KEY_UNKNOWN; break;
    }
    return LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | key;
}
static inline const char *cssh2_hostkey_type_name(int hostKeyType) {
    switch (hostKeyType) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
    default: return "unknown";
    }
}
static inline int cssh2_knownhost_readfile(LIBSSH2_KNOWNHOSTS *hosts, const char *path) {
    return libssh2_knownhost_readfile(hosts, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
}
static inline int cssh2_knownhost_writefile(LIBSSH2_KNOWNHOSTS *hosts, const char *path) {
    return libssh2_knownhost_writefile(hosts, path, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
}
/* LIBSSH2_KNOWNHOST_CHECK_MATCH, _MISMATCH, _NOTFOUND or _FAILURE. */
static inline int cssh2_knownhost_check(LIBSSH2_KNOWNHOSTS *hosts, const char *host, int port, const char *key,
                                        size_t length, int typemask) {
    return libssh2_knownhost_checkp(hosts, host, port, key, length, typemask, NULL);
}
static inline int cssh2_knownhost_add(LIBSSH2_KNOWNHOSTS *hosts, const char *name, const char *key, size_t length,
                                      int typemask) {
    return libssh2_knownhost_addc(hosts, name, NULL, key, length, NULL, 0, typemask, NULL);
}

#endif
