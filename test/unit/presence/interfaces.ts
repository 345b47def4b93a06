/** Fake os.networkInterfaces() data for target-selection tests. */
import type { NetworkInterfaceInfo } from 'node:os';
import type { InterfaceList } from '../../../src/presence/targets.js';

export function ipv4(address: string, netmask: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: null };
}

export function ipv6(address: string, internal = false): NetworkInterfaceInfo {
  return {
    address,
    netmask: 'ffff:ffff:ffff:ffff::',
    family: 'IPv6',
    mac: '02:00:00:00:00:01',
    internal,
    cidr: null,
    scopeid: 0,
  };
}

/**
 * A laptop with loopback, a wired LAN with two addresses, Wi-Fi, a VPN
 * point-to-point link, and one address on two bridges.
 */
export const LAPTOP: InterfaceList = {
  lo: [ipv4('127.0.0.1', '255.0.0.0', true), ipv6('::1', true)],
  eth0: [
    ipv4('192.168.1.5', '255.255.255.0'),
    ipv4('192.168.1.6', '255.255.255.0'),
    ipv6('fe80::5'),
  ],
  wlan0: [ipv4('10.0.7.20', '255.255.0.0')],
  tun0: [ipv4('10.8.0.2', '255.255.255.255')],
  br0: [ipv4('172.16.0.1', '255.255.0.0')],
  br1: [ipv4('172.16.0.1', '255.255.255.0')],
};

/** Every directed broadcast of LAPTOP, in interface order. */
export const LAPTOP_BROADCASTS = [
  '192.168.1.255',
  '10.0.255.255',
  '172.16.255.255',
  '172.16.0.255',
];
