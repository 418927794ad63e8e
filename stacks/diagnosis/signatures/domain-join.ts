/** Signatures: AD domain join (NetSetup.log, dsregcmd /join, nslookup, join dialogs). Part of the table in ../signatures.ts, in its order. */
import { DOC } from "./docs";
import type { Signature } from "./types";

export const DOMAIN_JOIN = [
  {
    id: "ad-dc-not-located",
    step: "ad-forest",
    group: "domain-join",
    pattern:
      /No domain controller is available for the specified domain|domain controller (?:\(AD DC\) for the domain \S+ )?(?:could not|couldn't|cannot|can not) be (?:located|contacted)|failed to find a DC in the specified domain|used to locate an Active Directory Domain Controller|specified domain either does not exist or could not be contacted|\bERROR_NO_SUCH_DOMAIN\b|\b0x8007054b\b|NetpCheckDomainNameIsValid\b.*\breturned 0x54b\b/i,
    hints: ["domain controller", "find a dc", "specified domain", "no_such_domain", "8007054b", "0x54b"],
    cause:
      "The machine could not locate a domain controller of the lab's domain: its DNS server does not answer for the domain (the VNet's DNS is not the DC, or the DC has not registered its records) or the DC is not up.",
    fix: "Point the VNet's (and the machine's) DNS at the domain controller, check that _ldap._tcp.dc._msdcs.<domain> resolves and nltest /dsgetdc:<domain> finds the DC, then retry the join.",
    source: DOC.domainJoin,
    confirmed: true,
  },
  {
    id: "ad-join-rpc-blocked",
    step: "network",
    group: "domain-join",
    pattern: /\bNetp\w+\b[^\n]*:\s*0x(?:6bf|6ba|6d9|40|35|c002001c)\b/i,
    hints: ["0x6bf", "0x6ba", "0x6d9", "0x40", "0x35", "0xc002001c"],
    cause:
      "The machine found the domain controller, but the join's RPC, SMB or Kerberos traffic to it was blocked or cut on the way (a network security group or firewall between the subnets).",
    fix: "Allow the domain join ports between the subnets (TCP/UDP 53, 88, 389, TCP 135, 445 and 49152-65535) in the lab's NSGs, test with Test-NetConnection, then retry the join.",
    source: DOC.domainJoin,
    confirmed: true,
  },
  {
    id: "dns-query-timed-out",
    step: "ad-forest",
    group: "domain-join",
    weak: true,
    pattern: /\bDNS request timed out\b|\bRequest to \S+ timed[- ]out\b/i,
    hints: ["timed out", "timed-out"],
    cause: "The DNS server the machine uses did not answer the query; for the lab domain that is the domain controller's DNS.",
    fix: "Check that the machine's DNS server is the domain controller and that the DC's DNS service runs and holds the domain's zones.",
    source: `${DOC.domainJoin} (nslookup output)`,
    confirmed: true,
  },
  {
    id: "dns-server-unknown",
    step: "ad-forest",
    group: "domain-join",
    weak: true,
    pattern: /^\s*Server:\s*UnKnown\s*$/i,
    hints: ["unknown"],
    cause: "nslookup could not name its own DNS server: the server holds no reverse record for itself, as a domain controller's DNS that is not fully set up.",
    fix: "Check the DNS server the machine uses (it should be the domain controller) and that its zones are loaded.",
    source: "UNCONFIRMED wording (nslookup output, field logs)",
    confirmed: false,
  },
  {
    id: "dns-nonexistent-domain",
    step: "ad-forest",
    group: "domain-join",
    weak: true,
    pattern: /can't find \S+: Non-existent domain/i,
    hints: ["non-existent domain"],
    cause: "The DNS server answered that the name does not exist: the zone or record the domain needs is missing.",
    fix: "Check that the domain controller's DNS holds the domain's forward zone and the _msdcs records, and that the machine uses that DNS server.",
    source: "UNCONFIRMED wording (nslookup output, field logs)",
    confirmed: false,
  },
] as const satisfies readonly Signature[];
