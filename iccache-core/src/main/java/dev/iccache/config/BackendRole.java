package dev.iccache.config;

/** Whether a backend serves a small (cheap) or large (strong) model. */
public enum BackendRole {
    SMALL, LARGE
}
