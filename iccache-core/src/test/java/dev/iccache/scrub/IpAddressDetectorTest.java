package dev.iccache.scrub;

import static dev.iccache.scrub.Detections.found;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressDetectorTest {
    private final IpAddressDetector detector = new IpAddressDetector();

    @ParameterizedTest
    @ValueSource(strings = {"192.168.1.10", "8.8.8.8", "203.0.113.7", "10.0.0.1", "223.255.255.254",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8::8a2e:370:7334", "fe80::1", "2001:db8::",
        "2001:DB8:0:0:8:800:200C:417A", "1:2:3:4:5:6:7:8", "64:ff9b::192.0.2.33"})
    void findsAddresses(String address) {
        assertThat(found(detector, "from " + address + ", again")).contains(address);
        assertThat(found(detector, "host " + address + ".")).contains(address);
    }

    @Test
    void portsBracketsAndUrlsAreNotPartOfTheAddress() {
        assertThat(found(detector, "http://203.0.113.7:8080/path")).containsExactly("203.0.113.7");
        assertThat(found(detector, "https://[2001:db8::1]:443/")).containsExactly("2001:db8::1");
        assertThat(found(detector, "ping fe80::1%eth0")).containsExactly("fe80::1");
        assertThat(found(detector, "ip addr add 192.168.1.2/24 dev eth0")).containsExactly("192.168.1.2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "version 1.2.3.4", "Version: 10.2.0.1", "v1.2.3.4", "build 4.0.30319.42000",
        "1.2.3.4.5", "256.1.1.1", "01.02.03.04", "127.0.0.1", "0.0.0.0", "255.255.255.0", "Chrome/120.0.0.0",
        "1.2.3.4-beta", "12:30:45", "std::vector<int>", "dead::beef", "::1", "::", "00:1A:2B:3C:4D:5E",
        "a::b", "2024-05-01T10:20:30Z", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "fe80:::1", "abc:def",
        "print(b[::2])", "a[1::2]", "xs[10::-1]", "cidr_block = \"10.0.0.0/16\"", "192.168.0.0/24",
        "opencv-python==4.5.3.62", "pkg>=1.2.3.4"})
    void ignoresNonAddresses(String text) {
        assertThat(found(detector, text)).isEmpty();
    }

    @Test
    void ipv6TextForms() {
        assertThat(IpAddressDetector.ipv6("::ffff:192.0.2.1")).isTrue();
        assertThat(IpAddressDetector.ipv6("1.2.3.4::1")).isFalse();
        assertThat(IpAddressDetector.ipv6("2001:db8:3:4:5:6:7::")).isTrue();
        assertThat(IpAddressDetector.ipv6("1:2::3")).as("no group of 3 or more characters").isFalse();
        assertThat(IpAddressDetector.ipv6("1:2:3:4:5:6:7:8::")).isFalse();
    }
}
