package dev.iccache.gateway;

/**
 * A backend's answer to a request and the route that produced it: the route asked for, or the
 * fallback that answered when it failed ({@code reason} {@value Route#FALLBACK}).
 *
 * @param <T>      a whole response or a stream
 * @param route    who answered and with what request
 * @param response the answer
 */
public record Answer<T>(Route route, T response) {
}
